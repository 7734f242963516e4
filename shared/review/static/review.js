// The review page: a day's calls (#/day/YYYY-MM-DD), one call (#/call/{callId}). Everything shown comes from the
// control API's JSON; this script only lays it out. The function key the page was opened with (?code=) goes with
// every request: as x-functions-key on fetch, as ?code= on media URLs (an <audio> element cannot send headers).
"use strict";

const KEY = new URLSearchParams(location.search).get("code") || "";
const PAGE_SIZE = 25;
const STATES = ["ringing", "answered", "connected", "disconnected", "starting", "active", "paused", "stopped",
  "files_ready", "archived", "source_deleted", "failed"];
const SVG = "http://www.w3.org/2000/svg";
const MARKS = 30; // events labelled on the time axis; all of them are in the list below it

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs || {})) el.setAttribute(name, String(value));
  for (const child of children) el.append(child instanceof Node ? child : String(child));
  return el;
}

async function api(path) {
  const response = await fetch(path, { headers: KEY ? { "x-functions-key": KEY } : {} });
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

const pad = (n) => String(n).padStart(2, "0");
const clock = (iso) => (iso ? new Date(iso).toISOString().slice(11, 19) : "");
function mmss(seconds) {
  if (!Number.isFinite(seconds)) return "–:––";
  const whole = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(whole / 3600);
  const rest = `${pad(Math.floor((whole % 3600) / 60))}:${pad(whole % 60)}`;
  return hours ? `${hours}:${rest}` : rest.replace(/^0/, "");
}
function bytes(n) {
  if (n === null || n === undefined) return "";
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = n, unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}
const badge = (text, kind) => h("span", { class: `badge ${kind || text}` }, text.replace("_", " "));
const verdictBadge = (verdict) => badge(verdict.verdict, verdict.verdict);

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
    STATES.map((name) => h("option", { value: name, selected: name === state }, name.replace("_", " "))))),
  h("button", { type: "submit", class: "primary" }, "Show"));
  const table = h("table", { "aria-label": `Calls of ${day}` },
    h("thead", {}, h("tr", {}, ["Started", "Caller", "Callee", "State", "Recording", "Recorded", "Call"]
      .map((name) => h("th", { scope: "col" }, name)))), tbody);
  main.replaceChildren(h("h2", {}, `Calls of ${day}`, state ? ` (${state.replace("_", " ")})` : ""), form, table,
    h("p", {}, more));
  let continuation = "";
  async function load() {
    const query = new URLSearchParams({ date: day, limit: String(PAGE_SIZE) });
    if (state) query.set("state", state);
    if (continuation) query.set("continuation", continuation);
    more.disabled = true;
    const page = await api(`calls?${query}`);
    for (const call of page.calls) tbody.append(callRow(call));
    if (!tbody.children.length) tbody.append(h("tr", {}, h("td", { colspan: 7, class: "empty" }, "No calls.")));
    continuation = page.continuation || "";
    more.hidden = !continuation;
    more.disabled = false;
  }
  more.addEventListener("click", () => load().catch((error) => showStatus(error.message)));
  main.append(quarantineSection(`quarantine?date=${day}`, `Quarantined on ${day}`));
  return load();
}

// ---- quarantined inputs (the reason each was rejected) ---------------------------------------------------------

function quarantineSection(path, title) {
  const section = h("section", { class: "card quarantine", "aria-label": title }, h("h3", {}, title, " ", h("span", { class: "count" }, "…")));
  api(path).then((found) => {
    const inputs = found.inputs || [];
    section.querySelector(".count").textContent = `(${inputs.length}${found.truncated ? "+" : ""})`;
    if (!inputs.length) { section.append(h("p", { class: "empty" }, "Nothing was quarantined.")); return; }
    section.append(h("table", {}, h("thead", {}, h("tr", {}, ["Received", "Kind", "Source", "Reason", "Kept as"]
      .map((name) => h("th", { scope: "col" }, name)))),
    h("tbody", {}, inputs.map((item) => h("tr", {},
      h("td", { class: "mono" }, clock(item.receivedAt)), h("td", {}, item.kind), h("td", {}, item.source || ""),
      h("td", { class: "warn" }, item.reason || ""), h("td", {}, h("code", { class: "sha" }, item.name)))))));
  }).catch((error) => section.append(h("p", { class: "problems" }, error.message)));
  return section;
}

function callRow(call) {
  const recordings = call.recordings || [];
  const recorded = recordings.reduce((sum, r) => sum + (r.durationMs || 0), 0);
  return h("tr", { "data-call": call.callId },
    h("td", { class: "mono" }, clock(call.createdAt)),
    h("td", {}, call.caller), h("td", {}, call.callee),
    h("td", {}, badge(call.state, "state")),
    h("td", {}, recordings.length ? recordings.map((r) => verdictBadge(r.verdict)) : h("span", { class: "empty" }, "none")),
    h("td", { class: "num" }, recorded ? mmss(recorded / 1000) : ""),
    h("td", {}, h("a", { href: `#/call/${call.callId}` }, "Open ", h("span", { class: "mono" }, call.callId.slice(0, 12)), "…")));
}

// ---- one call -----------------------------------------------------------------------------------------------------

async function callView(callId) {
  const main = document.getElementById("main");
  const call = await api(`calls/${callId}`);
  const archives = await Promise.all((call.recordings || []).map((r) => (r.recordingId
    ? api(`calls/${callId}/recordings/${encodeURIComponent(r.recordingId)}/archive`).catch((error) => ({ error: error.message }))
    : Promise.resolve({ chunks: [] }))));
  const day = (call.createdAt || "").slice(0, 10);
  main.replaceChildren(
    h("p", {}, h("a", { href: `#/day/${day}` }, `← Calls of ${day}`)),
    h("h2", {}, `Call ${call.caller || ""} → ${call.callee || ""}`),
    h("div", { class: "card" }, h("dl", { class: "facts" },
      fact("callId", h("code", {}, call.callId)), fact("serverCallId", h("code", {}, call.serverCallId)),
      fact("State", badge(call.state, "state")), fact("Started", call.createdAt),
      fact("Correlation id", h("code", {}, call.correlationId || "")),
      call.reason ? fact("Ended", call.reason) : null)),
    h("section", { class: "card timeline", "aria-label": "Timeline" }, h("h3", {}, "Timeline"), timeline(call)),
    ...(call.recordings || []).map((recording, i) => recordingSection(callId, recording, archives[i])),
    quarantineSection(`quarantine?date=${day}&serverCallId=${encodeURIComponent(call.serverCallId)}`,
      `Inputs quarantined on ${day} that name this call`));
}

const fact = (name, value) => [h("dt", {}, name), h("dd", {}, value)];

function recordingSection(callId, recording, archive) {
  const verdict = recording.verdict;
  const facts = new Map((archive.chunks || []).map((chunk) => [chunk.index, chunk]));
  const problems = [
    recording.reason ? `reason: ${recording.reason}` : null,
    recording.retentionWarned ? "warned: ACS deletes the recording before every chunk was archived" : null,
    archive.error ? `archive: ${archive.error}` : null,
    recording.files && !archive.manifestFound && !archive.error ? "no manifest in the archive yet" : null,
  ].filter(Boolean);
  return h("section", { class: "card recording", "data-recording": recording.recordingId },
    h("h3", {}, "Recording ", verdictBadge(verdict), " ", badge(recording.state, "state")),
    verdict.missing.length ? h("div", {}, h("strong", {}, "What is missing:"),
      h("ul", { class: "missing" }, verdict.missing.map((text) => h("li", {}, text)))) : null,
    problems.length ? h("ul", { class: "problems" }, problems.map((text) => h("li", {}, text))) : null,
    h("dl", { class: "facts" },
      fact("recordingId", h("code", {}, recording.recordingId || "(not started)")),
      recording.options ? fact("Options", `${recording.options.content}, ${recording.options.channel}, ${recording.options.format}`) : null,
      recording.files ? fact("Files", `${mmss(recording.files.durationMs / 1000)} of media, session ended: ${recording.files.sessionEndReason || "?"}`) : null,
      recording.files ? fact("Manifest", h("code", {}, recording.files.manifestPath)) : null),
    participants(archive.chunks || []),
    chunkTable(recording, facts),
    (recording.chunks || []).filter((c) => c.state === "archived")
      .map((chunk) => player(callId, recording, chunk, facts.get(chunk.index) || {})));
}

function participants(chunks) {
  const seen = new Map();
  for (const chunk of chunks) for (const p of chunk.participants || []) seen.set(`${p.channel}|${p.participantId}`, p);
  if (!seen.size) return null;
  const rows = [...seen.values()].sort((a, b) => (a.channel ?? 99) - (b.channel ?? 99));
  return h("div", {}, h("h4", {}, "Participants"), h("table", { class: "participants" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Channel"), h("th", { scope: "col" }, "Participant"))),
    h("tbody", {}, rows.map((p) => h("tr", {}, h("td", {}, p.channel ?? "mixed"), h("td", { class: "mono" }, p.participantId))))));
}

function chunkTable(recording, facts) {
  const chunks = recording.chunks || [];
  if (!chunks.length) return h("p", { class: "empty" }, "No chunks announced yet.");
  return h("div", {}, h("h4", {}, "Chunks"), h("table", { class: "chunks" },
    h("thead", {}, h("tr", {}, ["#", "Size", "SHA-256", "Archive", "End reason", "Media", "Problems"]
      .map((name) => h("th", { scope: "col" }, name)))),
    h("tbody", {}, chunks.map((chunk) => {
      const known = facts.get(chunk.index) || {};
      const verified = chunk.state === "archived";
      return h("tr", { "data-chunk": chunk.index },
        h("td", {}, chunk.index),
        h("td", { class: "num", title: chunk.size === null ? "" : `${chunk.size} bytes` }, bytes(chunk.size)),
        h("td", {}, h("code", { class: "sha" }, chunk.sha256 || "")),
        h("td", {}, verified ? badge("verified", "verified") : badge(chunk.state, "pending"),
          chunk.archivedAt ? h("div", { class: "mono" }, clock(chunk.archivedAt)) : null),
        h("td", {}, chunk.endReason || ""),
        h("td", {}, known.durationMs ? mmss(known.durationMs / 1000) : "",
          (known.pauses || []).length ? h("div", {}, `${known.pauses.length} pause(s)`) : null),
        h("td", {}, (known.problems || []).length
          ? h("ul", { class: "problems" }, known.problems.map((text) => h("li", {}, text))) : ""));
    }))));
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
    options.push(h("option", { value: channel }, `channel ${channel}: ${byChannel.get(channel) || "unknown participant"}`));
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

// ---- the timeline -------------------------------------------------------------------------------------------------

const LABELS = {
  CallRinging: "ringing", CallAnswered: "answered", CallConnected: "connected", CallDisconnected: "disconnected",
  AnswerFailed: "answer failed", StartRecording: "start asked", RecordingStarted: "recording started",
  PauseRecording: "pause asked", ResumeRecording: "resume asked", StopRecording: "stop asked",
  FilesReady: "files ready", ChunkArchived: "chunk archived", ArchiveFailed: "archive failed",
  SourceDeleted: "deleted at ACS", RetentionWarned: "retention warning", SourceExpired: "expired at ACS",
  StartFailed: "start failed",
};

function eventLabel(entry) {
  if (entry.event === "RecordingStateReported") return entry.active ? "recording active" : "recording inactive";
  if (entry.event === "ChunkArchived") return `chunk ${entry.index} archived + verified`;
  return LABELS[entry.event] || entry.event;
}

function lanes(entries) {
  // Segments of each lane from the states each applied event left: [{state, from, to}] per lane.
  const call = [], recordings = new Map();
  const push = (list, state, at) => {
    const last = list[list.length - 1];
    if (last && last.state === state) return;
    if (last) last.to = at;
    list.push({ state, from: at, to: null });
  };
  for (const entry of entries) {
    const at = Date.parse(entry.at);
    push(call, entry.callState, at);
    if (entry.recordingId && entry.recordingState) {
      if (!recordings.has(entry.recordingId)) recordings.set(entry.recordingId, []);
      push(recordings.get(entry.recordingId), entry.recordingState, at);
    }
  }
  return { call, recordings };
}

function timeline(call) {
  const entries = (call.timeline || []).filter((e) => e.at);
  if (!entries.length) return h("p", { class: "empty" }, "Nothing happened yet.");
  const times = entries.map((e) => Date.parse(e.at));
  const start = Math.min(...times), last = Math.max(...times, start + 1000);
  const end = last + (last - start) * 0.06; // room for the state the last event left
  const { call: callLane, recordings } = lanes(entries);
  const width = 1100, left = 110, right = 20, laneHeight = 26;
  const top = 22, laneCount = 1 + recordings.size;
  const x = (t) => left + ((t - start) / (end - start)) * (width - left - right);
  const marksTop = top + laneCount * (laneHeight + 8) + 4;
  const height = marksTop + 16 * Math.min(entries.length, MARKS) + 24;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `Timeline from ${clock(new Date(start).toISOString())} to ${clock(new Date(end).toISOString())} UTC` });
  for (let i = 0; i <= 5; i += 1) {
    const t = start + ((end - start) * i) / 5;
    svg.append(s("line", { x1: x(t), x2: x(t), y1: 14, y2: height - 8, stroke: "#e6e8ee" }),
      s("text", { x: x(t), y: 11, class: "tick", "text-anchor": "middle" }, clock(new Date(t).toISOString())));
  }
  const drawLane = (name, segments, row) => {
    const y = top + row * (laneHeight + 8);
    svg.append(s("text", { x: 0, y: y + 17, class: "lane-label" }, name));
    for (const seg of segments) {
      const x1 = x(seg.from), x2 = x(seg.to === null ? end : seg.to);
      const rect = s("rect", { x: x1, y, width: Math.max(2, x2 - x1), height: laneHeight, rx: 3,
        class: `seg seg-${seg.state}`, "data-state": seg.state });
      rect.append(s("title", {}, `${seg.state} from ${clock(new Date(seg.from).toISOString())}`));
      svg.append(rect);
      if (x2 - x1 > 46) svg.append(s("text", { x: x1 + 5, y: y + 17, class: "mark-label" }, seg.state.replace("_", " ")));
    }
  };
  drawLane("call", callLane, 0);
  [...recordings.entries()].forEach(([id, segments], i) => drawLane(`recording ${i + 1}`, segments, i + 1));
  entries.slice(0, MARKS).forEach((entry, i) => {
    const t = Date.parse(entry.at), y = marksTop + 16 * i + 10;
    svg.append(s("line", { x1: x(t), x2: x(t), y1: top, y2: y - 4, class: "mark", "stroke-opacity": 0.25 }),
      s("circle", { cx: x(t), cy: y - 4, r: 3 }),
      s("text", { x: x(t) + (x(t) > width * 0.7 ? -6 : 6), y, class: "mark-label",
        "text-anchor": x(t) > width * 0.7 ? "end" : "start" }, `${clock(entry.at)} ${eventLabel(entry)}`));
  });
  const legend = h("p", { class: "legend" }, [["active / connected", "var(--active)"], ["paused", "var(--paused)"],
    ["stopped / ended", "#e3e6ec"], ["archived", "#cfe8d6"], ["failed", "#f2b8b5"]]
    .map(([name, color]) => h("span", {}, h("i", { style: null, "data-color": color }), name)));
  for (const swatch of legend.querySelectorAll("i")) swatch.style.background = swatch.dataset.color;
  const list = h("details", {}, h("summary", {}, `All ${entries.length} events`), h("ol", {}, entries.map((entry) =>
    h("li", {}, h("span", { class: "mono" }, clock(entry.at)), ` ${eventLabel(entry)} (${entry.source})`,
      entry.reason ? h("span", { class: "warn" }, ` reason: ${entry.reason}`) : null))));
  const reasons = entries.filter((e) => e.reason && e.event !== "CallDisconnected");
  return h("div", {}, svg, legend,
    reasons.length ? h("ul", { class: "problems" }, reasons.map((e) => h("li", {}, `${clock(e.at)} ${eventLabel(e)}: ${e.reason}`))) : null,
    list);
}

// ---- routing ----------------------------------------------------------------------------------------------------------

async function route() {
  showStatus("");
  const hash = location.hash.replace(/^#/, "");
  const [path, query] = hash.split("?");
  const parts = path.split("/").filter(Boolean);
  try {
    if (parts[0] === "call" && parts[1]) await callView(parts[1]);
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

window.addEventListener("hashchange", route);
route();
