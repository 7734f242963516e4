// The review page: a day's calls (#/day/YYYY-MM-DD), one call (#/call/{callId}), a search by participant
// (#/search?..., review-search.js). Everything shown comes from the control API's JSON; this script only lays it out. The function key the page was opened with (?code=) goes with
// every request: as x-functions-key on fetch, as ?code= on media URLs (an <audio> element cannot send headers).
// How things are written (times, ids, parties, reasons) is review-format.js; the timeline is review-timeline.js.
"use strict";

const KEY = new URLSearchParams(location.search).get("code") || "";
const PAGE_SIZE = 25;

const keyHeaders = () => (KEY ? { "x-functions-key": KEY } : {});

async function api(path) {
  const response = await fetch(path, { headers: keyHeaders() });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `${path}: HTTP ${response.status}`);
  return body;
}

function mediaUrl(path, params) {
  const query = new URLSearchParams(params);
  if (KEY) query.set("code", KEY);
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

function showStatus(text) {
  const status = document.getElementById("status");
  status.textContent = text || "";
  status.hidden = !text;
}

const badge = (text, kind) => h("span", { class: `badge ${kind || text}` }, text.replace("_", " "));
const verdictBadge = (verdict) => badge(verdict.verdict, verdict.verdict);
const STACKED = "stack"; // a table whose rows become blocks on a narrow screen, each cell labelled

function table(label, columns, rows, kind) {
  return h("div", { class: "table" }, h("table", { class: `${STACKED} ${kind || ""}`, "aria-label": label },
    h("thead", {}, h("tr", {}, columns.map((name) => h("th", { scope: "col" }, name)))), rows));
}

// A row of a stacked table: each cell carries its column's name for the narrow layout
function row(attrs, columns, cells) {
  return h("tr", attrs, cells.map((cell, i) => {
    const [content, cellAttrs] = Array.isArray(cell) ? cell : [cell, {}];
    return h("td", { ...cellAttrs, "data-label": columns[i] }, content);
  }));
}

// ---- the day's calls --------------------------------------------------------------------------------------------

function dayView(day, state) {
  const main = document.getElementById("main");
  const tbody = h("tbody");
  const more = h("button", { type: "button", hidden: true }, "Show more calls");
  const form = h("form", { class: "filter", onsubmit: (event) => {
    event.preventDefault();
    const chosen = form.elements.state.value;
    location.hash = `#/day/${form.elements.date.value}${chosen ? `?state=${chosen}` : ""}`;
  } },
  h("label", {}, "Day (UTC)", h("input", { type: "date", name: "date", value: day, required: true })),
  h("label", {}, "State", h("select", { name: "state" }, h("option", { value: "" }, "any"),
    state ? h("option", { value: state, selected: true }, state.replace("_", " ")) : null)),
  h("button", { type: "submit", class: "primary" }, "Show"));
  main.replaceChildren(h("h2", {}, `Calls of ${day}`, state ? ` (${state.replace("_", " ")})` : ""), form,
    searchForm(new URLSearchParams()), table(`Calls of ${day}`, CALL_COLUMNS, tbody, "calls"), h("p", {}, more));
  main.append(quarantineSection(`quarantine?date=${day}`, `Quarantined on ${day}`));
  const query = new URLSearchParams({ date: day });
  if (state) query.set("state", state);
  return pagedCalls("calls", query, tbody, more, (page) => stateOptions(form.elements.state, page.states || [], state));
}

// A list of calls (the day's, a search's) a page at a time: each page's rows appended to tbody, and the "more"
// button shown while the API hands back a continuation
function pagedCalls(path, query, tbody, more, onPage = () => {}) {
  let continuation = "";
  async function load() {
    const pageQuery = new URLSearchParams(query);
    pageQuery.set("limit", String(PAGE_SIZE));
    if (continuation) pageQuery.set("continuation", continuation);
    more.disabled = true;
    const page = await api(`${path}?${pageQuery}`);
    onPage(page);
    for (const call of page.calls) tbody.append(callRow(call));
    if (!tbody.children.length) tbody.append(h("tr", {}, h("td", { colspan: CALL_COLUMNS.length, class: "empty" }, "No calls.")));
    continuation = page.continuation || "";
    more.hidden = !continuation;
    more.disabled = false;
  }
  more.addEventListener("click", () => load().catch((error) => showStatus(error.message)));
  return load();
}

// The state filter offers the states the API names (the chosen one is there before the first page arrives)
function stateOptions(select, names, chosen) {
  if (select.dataset.offered || !names.length) return;
  select.dataset.offered = "yes";
  select.replaceChildren(h("option", { value: "" }, "any"),
    ...names.map((name) => h("option", { value: name, selected: name === chosen }, name.replace("_", " "))));
}

// ---- quarantined inputs (the reason each was rejected) ---------------------------------------------------------

function quarantineSection(path, title) {
  const section = h("section", { class: "card quarantine", "aria-label": title }, h("h3", {}, title, " ", h("span", { class: "count" }, "…")));
  api(path).then((found) => {
    const inputs = found.inputs || [];
    section.querySelector(".count").textContent = `(${inputs.length}${found.truncated ? "+" : ""})`;
    if (!inputs.length) { section.append(h("p", { class: "empty" }, "Nothing was quarantined.")); return; }
    const columns = ["Received", "Kind", "Source", "Reason", "Kept as"];
    section.append(table(title, columns, h("tbody", {}, inputs.map((item) => row({}, columns, [
      [timeOf(item.receivedAt), { class: "mono" }], item.kind, item.source || "", [shortenWords(item.reason), { class: "warn", title: item.reason || "" }],
      copyable("the quarantined blob's name", item.name, `…${item.name.slice(-28)}`)])))));
  }).catch((error) => section.append(h("p", { class: "problems" }, error.message)));
  return section;
}

const CALL_COLUMNS = ["Started", "Caller", "Callee", "State", "Recording", "Recorded", "Call"];

function callRow(call) {
  const recordings = call.recordings || [];
  const recorded = recordings.reduce((sum, r) => sum + (r.durationMs || 0), 0);
  return row({ "data-call": call.callId }, CALL_COLUMNS, [
    [timeOf(call.createdAt), { class: "mono" }],
    [party(call.caller), { title: call.caller }], [party(call.callee), { title: call.callee }],
    badge(call.state, "state"),
    [recordings.length ? recordings.map((r) => verdictBadge(r.verdict)) : h("span", { class: "empty" }, "none"), { class: "verdicts" }],
    [recorded ? mmss(recorded / 1000) : "", { class: "num" }],
    [h("a", { href: `#/call/${call.callId}` }, "Open ", h("span", { class: "mono" }, shortId(call.callId))), { class: "open" }]]);
}

// ---- one call -----------------------------------------------------------------------------------------------------

async function callView(callId) {
  const main = document.getElementById("main");
  const call = await api(`calls/${callId}`);
  const archives = await Promise.all((call.recordings || []).map((r) => (r.recordingId
    ? api(`calls/${callId}/recordings/${encodeURIComponent(r.recordingId)}/archive`).catch((error) => ({ error: error.message }))
    : Promise.resolve({ chunks: [] }))));
  const day = (call.createdAt || "").slice(0, 10);
  const drawn = timeline(call);
  main.replaceChildren(
    h("p", {}, h("a", { href: `#/day/${day}` }, `← Calls of ${day}`)),
    h("h2", {}, `Call ${party(call.caller)} → ${party(call.callee)}`),
    h("div", { class: "card" }, h("dl", { class: "facts" },
      fact("State", badge(call.state, "state")), fact("Started", dateTimeOf(call.createdAt)),
      call.reason ? fact("Ended", h("span", { title: call.reason }, callEnd(call.reason))) : null,
      fact("callId", copyable("callId", call.callId)), fact("serverCallId", copyable("serverCallId", call.serverCallId)),
      call.correlationId ? fact("Correlation id", copyable("correlation id", call.correlationId)) : null)),
    h("section", { class: "card timeline", "aria-label": "Timeline" }, h("h3", {}, "Timeline"), drawn),
    ...(call.recordings || []).map((recording, i) => recordingSection(callId, recording, archives[i])),
    accessSection(callId),
    quarantineSection(`quarantine?date=${day}&serverCallId=${encodeURIComponent(call.serverCallId)}`,
      `Inputs quarantined on ${day} that name this call`));
  if (drawn.draw) drawn.draw();
}

const fact = (name, value) => [h("dt", {}, name), h("dd", {}, value)];

// ---- who read this call's archive (the access log) ---------------------------------------------------------------

const READ_COLUMNS = ["When", "Who", "Key", "Through", "File", "Bytes"];

function accessSection(callId) {
  const title = "Who read this call's archive";
  const section = h("section", { class: "card access", "aria-label": title }, h("h3", {}, title, " ", h("span", { class: "count" }, "…")));
  api(`calls/${callId}/access-log`).then((found) => {
    const reads = (found.reads || []).slice().reverse(); // newest first
    section.querySelector(".count").textContent = `(${reads.length})`;
    if (!reads.length) { section.append(h("p", { class: "empty" }, "Nobody has read this call's archive through the app.")); return; }
    section.append(table(title, READ_COLUMNS, h("tbody", {}, reads.map((read) => row({ "data-read": read.blob }, READ_COLUMNS, [
      [timeOf(read.at), { class: "mono" }],
      read.caller.principalName ? `${read.caller.principalName} (${read.caller.identityProvider || "?"})` : h("span", { class: "empty" }, "no principal"),
      [read.caller.key || "no key", { class: "mono" }], read.route,
      [read.blob.split("/").pop() + (read.channel === null ? "" : ` (channel ${read.channel})`), { class: "mono", title: read.blob }],
      [read.bytes ? `${read.bytes.first}–${read.bytes.last} of ${read.bytes.size}` : "whole", { class: "num" }]])))));
  }).catch((error) => section.append(h("p", { class: "problems" }, error.message)));
  return section;
}

function fileLink(callId, recording, name, label) {
  const path = `calls/${callId}/recordings/${encodeURIComponent(recording.recordingId)}/files/${encodeURIComponent(name)}`;
  return h("a", { href: mediaUrl(path, {}), download: name, class: "download", "data-file": name, onclick: (event) => {
    event.preventDefault();
    saveFile(path, name, keyHeaders()).catch((error) => showStatus(error.message));
  } }, label || name);
}

// "Erased on request at ... by ...: reason", with the signed tombstone to download
function erasedNote(callId, recording, erased, what) {
  const tombstone = erased.tombstone.split("/").pop();
  return h("p", { class: "erased", "data-erased": erased.tombstone },
    `${what} erased on request on ${dateTimeOf(erased.at)} by ${erased.requestedBy}: ${erased.reason} `,
    fileLink(callId, recording, tombstone, `Download ${tombstone}`));
}

function recordingSection(callId, recording, archive) {
  const verdict = recording.verdict;
  const erased = recording.erased;
  const facts = new Map(erased ? [] : (archive.chunks || []).map((chunk) => [chunk.index, chunk]));
  const problems = [
    recording.reason ? `reason: ${recording.reason}` : null,
    recording.retentionWarned ? "warned: ACS deletes the recording before every chunk was archived" : null,
    archive.error ? `archive: ${archive.error}` : null,
    recording.files && !erased && !archive.manifestFound && !archive.error ? "no manifest in the archive yet" : null,
  ].filter(Boolean);
  return h("section", { class: "card recording", "data-recording": recording.recordingId },
    h("h3", {}, "Recording ", verdictBadge(verdict), " ", badge(recording.state, "state"), erased ? [" ", badge("erased", "erased")] : null),
    erased ? erasedNote(callId, recording, erased, "Every file of this recording was") : null,
    verdict.missing.length ? h("div", {}, h("strong", {}, "What is missing:"),
      h("ul", { class: "missing" }, verdict.missing.map((text) => h("li", {}, shortenWords(text))))) : null,
    problems.length ? h("ul", { class: "problems" }, problems.map((text) => h("li", {}, shortenWords(text)))) : null,
    h("dl", { class: "facts" },
      fact("recordingId", recording.recordingId ? copyable("recordingId", recording.recordingId) : "(not started)"),
      recording.options ? fact("Options", `${recording.options.content}, ${recording.options.channel}, ${recording.options.format}`) : null,
      recording.files ? fact("Files", `${mmss(recording.files.durationMs / 1000)} of media; ${endReason(recording.files.sessionEndReason) || "end not reported"}`) : null,
      (archive.files || []).includes("manifest.json") ? fact("Manifest", fileLink(callId, recording, "manifest.json", "Download manifest.json")) : null),
    erased ? null : participants(archive.chunks || []),
    chunkTable(callId, recording, facts, archive.files || []),
    (recording.chunks || []).filter((c) => c.verified && !erased)
      .map((chunk) => player(callId, recording, chunk, facts.get(chunk.index) || {})));
}

function participants(chunks) {
  const seen = new Map();
  for (const chunk of chunks) for (const p of chunk.participants || []) seen.set(`${p.channel}|${p.participantId}`, p);
  if (!seen.size) return null;
  const rows = [...seen.values()].sort((a, b) => (a.channel ?? 99) - (b.channel ?? 99));
  const columns = ["Channel", "Participant"];
  return h("div", {}, h("h4", {}, "Participants"), table("Participants", columns,
    h("tbody", {}, rows.map((p) => row({}, columns, [p.channel ?? "mixed", [party(p.participantId), { title: p.participantId }]]))),
    "participants"));
}

const CHUNK_COLUMNS = ["#", "Archive", "Size", "SHA-256", "End reason", "Media", "Download", "Problems"];

function chunkTable(callId, recording, facts, files) {
  const chunks = recording.chunks || [];
  if (!chunks.length) return h("p", { class: "empty" }, "No chunks announced yet.");
  return h("div", {}, h("h4", {}, "Chunks"), table("Chunks", CHUNK_COLUMNS, h("tbody", {}, chunks.map((chunk) => {
    const known = facts.get(chunk.index) || {};
    const verified = chunk.verified;
    const start = `chunk-${String(chunk.index).padStart(4, "0")}.`;
    const own = files.filter((name) => name.startsWith(start) && !name.endsWith(".tombstone.json"));
    const gone = (recording.erasedFiles || []).filter((file) => file.name.startsWith(start));
    return row({ "data-chunk": chunk.index }, CHUNK_COLUMNS, [
      chunk.index,
      [[verified ? badge("verified", "verified") : badge(chunk.state, "pending"),
        chunk.archivedAt ? h("div", { class: "mono" }, timeOf(chunk.archivedAt)) : null]],
      [bytes(chunk.size), { class: "num", title: chunk.size === null ? "" : `${chunk.size} bytes` }],
      chunk.sha256 ? copyable(`SHA-256 of chunk ${chunk.index}`, chunk.sha256, `${chunk.sha256.slice(0, 16)}…`) : "",
      [endReason(chunk.endReason), { title: chunk.endReason || "" }],
      [[known.durationMs ? mmss(known.durationMs / 1000) : "",
        (known.pauses || []).length ? h("div", {}, `${known.pauses.length} pause(s)`) : null]],
      [[...own.map((name) => h("div", {}, fileLink(callId, recording, name, fileLabel(name)))),
        ...gone.map((file) => erasedNote(callId, recording, file, fileLabel(file.name)))]],
      (known.problems || []).length ? h("ul", { class: "problems" }, known.problems.map((text) => h("li", {}, shortenWords(text)))) : ""]);
  })), "chunks"));
}

// "chunk-0000.wav" -> "media (wav)", "chunk-0000.metadata.json" -> "ACS metadata", "chunk-0000.4_+1425....wav" -> the party
function fileLabel(name) {
  const rest = name.replace(/^chunk-\d{4}\./, "");
  if (rest === "metadata.json") return "ACS metadata";
  const media = /^(wav|mp3|mp4)$/.exec(rest);
  if (media) return `media (${media[1]})`;
  const raw = rest.replace(/\.wav$/, "").replace(/~([0-9A-F]{2})/g, "%$1").replace(/_/g, ":");
  let decoded = raw;
  try { decoded = decodeURIComponent(raw); } catch { /* shown as stored */ }
  return `${party(decoded)} only (wav)`;
}

// ---- playback -------------------------------------------------------------------------------------------------------

function player(callId, recording, chunk, known) {
  const format = (recording.files && recording.files.format || recording.options && recording.options.format || "").toLowerCase();
  const path = `calls/${callId}/recordings/${encodeURIComponent(recording.recordingId)}/chunks/${chunk.index}`;
  const media = h(format === "mp4" ? "video" : "audio", { preload: "metadata", src: mediaUrl(path, {}) });
  const label = `chunk ${chunk.index}`;
  const play = h("button", { type: "button", class: "primary", "aria-label": `Play ${label}` }, "Play");
  const seek = h("input", { type: "range", min: 0, max: 1, step: 0.1, value: 0, "aria-label": `Position in ${label}` });
  const marks = h("div", { class: "marks", "aria-hidden": "true" });
  const time = h("span", { class: "time", "aria-live": "off" }, "0:00 / –:––");
  const lengthSeconds = () => (Number.isFinite(media.duration) ? media.duration : (known.durationMs || 0) / 1000);
  function drawMarks() {
    const total = (known.durationMs || 0) / 1000 || lengthSeconds();
    marks.replaceChildren(...(known.pauses || []).filter((p) => p.mediaOffsetMs !== null && total > 0).map((p) =>
      h("span", { class: "pause-mark", style: null, "data-offset": p.mediaOffsetMs,
        title: `paused ${(p.durationMs / 1000).toFixed(1)} s at ${mmss(p.mediaOffsetMs / 1000)}` })));
    for (const mark of marks.children) {
      mark.style.left = `${Math.min(100, (Number(mark.dataset.offset) / 1000 / total) * 100)}%`;
    }
  }
  function update() {
    seek.max = String(lengthSeconds() || 1);
    if (document.activeElement !== seek || !seek.matches(":active")) seek.value = String(media.currentTime);
    time.textContent = `${mmss(media.currentTime)} / ${mmss(lengthSeconds())}`;
    play.textContent = media.paused ? "Play" : "Pause";
  }
  play.addEventListener("click", () => (media.paused ? media.play().catch((e) => showStatus(e.message)) : media.pause()));
  seek.addEventListener("input", () => { media.currentTime = Number(seek.value); update(); });
  for (const name of ["loadedmetadata", "timeupdate", "play", "pause", "seeked", "durationchange"]) media.addEventListener(name, update);
  media.addEventListener("loadedmetadata", drawMarks);
  media.addEventListener("error", () => showStatus(`${label}: the media could not be loaded`));
  drawMarks();
  const jumps = (known.pauses || []).filter((p) => p.mediaOffsetMs !== null).map((p) => h("button", {
    type: "button", onclick: () => { media.currentTime = p.mediaOffsetMs / 1000; update(); },
  }, `Go to the pause at ${mmss(p.mediaOffsetMs / 1000)} (${(p.durationMs / 1000).toFixed(1)} s left out)`));
  return h("div", { class: "player", "data-player": chunk.index },
    h("h4", { class: "choose" }, `Listen: ${label}`),
    media, play, h("div", { class: "seek" }, seek, marks), time,
    channelChoice(media, path, format, recording, known),
    jumps.length ? h("div", { class: "pauses choose" }, "Pauses:", jumps) : null);
}

function channelChoice(media, path, format, recording, known) {
  const unmixed = recording.options && recording.options.channel === "unmixed";
  if (format !== "wav" || !unmixed || !(known.channels > 1)) return null;
  const byChannel = new Map((known.participants || []).map((p) => [p.channel, p.participantId]));
  const options = [h("option", { value: "" }, `all ${known.channels} channels`)];
  for (let channel = 0; channel < known.channels; channel += 1) {
    const who = byChannel.get(channel);
    options.push(h("option", { value: channel }, `channel ${channel}: ${who ? party(who) : "unknown participant"}`));
  }
  const select = h("select", { "aria-label": "Channel to listen to" }, options);
  select.addEventListener("change", () => {
    const at = media.currentTime, playing = !media.paused;
    media.src = mediaUrl(path, select.value === "" ? {} : { channel: select.value });
    media.addEventListener("loadedmetadata", () => {
      media.currentTime = at;
      if (playing) media.play().catch((e) => showStatus(e.message));
    }, { once: true });
  });
  return h("label", { class: "choose" }, "Listen to ", select);
}

// ---- routing ----------------------------------------------------------------------------------------------------------

async function route() {
  showStatus("");
  const hash = location.hash.replace(/^#/, "");
  const [path, query] = hash.split("?");
  const parts = path.split("/").filter(Boolean);
  try {
    if (parts[0] === "call" && parts[1]) await callView(parts[1]);
    else if (parts[0] === "search") await searchView(new URLSearchParams(query || ""));
    else {
      const day = parts[0] === "day" && /^\d{4}-\d{2}-\d{2}$/.test(parts[1] || "") ? parts[1] : new Date().toISOString().slice(0, 10);
      await dayView(day, new URLSearchParams(query || "").get("state") || "");
    }
    document.getElementById("main").focus({ preventScroll: true });
    document.body.dataset.ready = hash || "/";
  } catch (error) {
    showStatus(error.message);
    document.body.dataset.ready = "error";
  }
}

function timesChoice() {
  const select = document.getElementById("times");
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "this computer's zone";
  select.options[1].textContent = `local (${zone})`;
  select.value = timesIn();
  select.addEventListener("change", () => { chooseTimes(select.value); route(); });
}

window.addEventListener("hashchange", route);
timesChoice();
route();
