// A call's timeline: a lane for the call and one per recording, coloured by the state each applied event left, drawn
// at the width it is shown at (so its text keeps its size on a phone) and drawn again when that width changes.
// On a narrow screen the events are listed under the lanes rather than labelled on the time axis.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const MARKS = 30; // events labelled on the time axis; all of them are in the list below it
const NARROW = 640; // below this width (px) the events are listed, not labelled on the axis

function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs || {})) el.setAttribute(name, String(value));
  for (const child of children) el.append(child instanceof Node ? child : String(child));
  return el;
}

const LABELS = {
  CallRinging: "ringing", CallAnswered: "answered", CallConnected: "connected", CallDisconnected: "hung up",
  AnswerFailed: "answer failed", StartRecording: "start asked", RecordingStarted: "recording started",
  PauseRecording: "pause asked", ResumeRecording: "resume asked", StopRecording: "stop asked",
  FilesReady: "files ready", ChunkArchived: "chunk archived", ArchiveFailed: "archive failed",
  SourceDeleted: "deleted at ACS", RetentionWarned: "retention warning", SourceExpired: "expired at ACS",
  StartFailed: "start failed", LegalHoldChanged: "legal hold changed", CallErased: "recordings erased on request",
  ParticipantErased: "a participant's files erased on request",
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

function chart(entries, width) {
  const times = entries.map((e) => Date.parse(e.at));
  const start = Math.min(...times), last = Math.max(...times, start + 1000);
  const end = last + (last - start) * 0.06; // room for the state the last event left
  const { call: callLane, recordings } = lanes(entries);
  const narrow = width < NARROW;
  const left = narrow ? 84 : 110, right = 12, laneHeight = 26, top = 22, laneCount = 1 + recordings.size;
  const x = (t) => left + ((t - start) / (end - start)) * (width - left - right);
  const marks = narrow ? [] : entries.slice(0, MARKS);
  const marksTop = top + laneCount * (laneHeight + 8) + 4;
  const height = marksTop + 16 * marks.length + (marks.length ? 24 : 0);
  const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `Timeline from ${dateTimeOf(new Date(start).toISOString())} to ${timeOf(new Date(end).toISOString())}` });
  const ticks = narrow ? 2 : 5;
  for (let i = 0; i <= ticks; i += 1) {
    const t = start + ((end - start) * i) / ticks;
    const anchor = i === 0 ? "start" : i === ticks ? "end" : "middle";
    svg.append(s("line", { x1: x(t), x2: x(t), y1: 14, y2: height - 8, stroke: "#e6e8ee" }),
      s("text", { x: x(t), y: 11, class: "tick", "text-anchor": anchor }, timeOf(new Date(t).toISOString())));
  }
  const drawLane = (name, segments, row) => {
    const y = top + row * (laneHeight + 8);
    svg.append(s("text", { x: 0, y: y + 17, class: "lane-label" }, name));
    for (const seg of segments) {
      const x1 = x(seg.from), x2 = x(seg.to === null ? end : seg.to);
      const rect = s("rect", { x: x1, y, width: Math.max(2, x2 - x1), height: laneHeight, rx: 3,
        class: `seg seg-${seg.state}`, "data-state": seg.state });
      rect.append(s("title", {}, `${seg.state.replace("_", " ")} from ${timeOf(new Date(seg.from).toISOString())}`));
      svg.append(rect);
      if (x2 - x1 > seg.state.length * 6.5 + 10) svg.append(s("text", { x: x1 + 5, y: y + 17, class: "mark-label" }, seg.state.replace("_", " ")));
    }
  };
  drawLane("call", callLane, 0);
  [...recordings.values()].forEach((segments, i) => drawLane(`recording ${i + 1}`, segments, i + 1));
  marks.forEach((entry, i) => {
    const t = Date.parse(entry.at), y = marksTop + 16 * i + 10, flip = x(t) > width * 0.6;
    svg.append(s("line", { x1: x(t), x2: x(t), y1: top, y2: y - 4, class: "mark", "stroke-opacity": 0.25 }),
      s("circle", { cx: x(t), cy: y - 4, r: 3 }),
      s("text", { x: x(t) + (flip ? -6 : 6), y, class: "mark-label", "text-anchor": flip ? "end" : "start" },
        `${timeOf(entry.at)} ${eventLabel(entry)}`));
  });
  return svg;
}

function timeline(call) {
  const entries = (call.timeline || []).filter((e) => e.at);
  if (!entries.length) return h("p", { class: "empty" }, "Nothing happened yet.");
  const area = h("div", { class: "chart" });
  let drawnAt = 0;
  const draw = () => {
    const width = Math.floor(area.clientWidth);
    if (!width || Math.abs(width - drawnAt) < 4) return;
    drawnAt = width;
    area.replaceChildren(chart(entries, width));
    list.open = width < NARROW;
  };
  const legend = h("p", { class: "legend" }, [["active / connected", "var(--active)"], ["paused", "var(--paused)"],
    ["stopped / ended", "#e3e6ec"], ["archived", "#cfe8d6"], ["failed", "#f2b8b5"]]
    .map(([name, color]) => h("span", {}, h("i", { style: null, "data-color": color }), name)));
  for (const swatch of legend.querySelectorAll("i")) swatch.style.background = swatch.dataset.color;
  const list = h("details", {}, h("summary", {}, `All ${entries.length} events`), h("ol", {}, entries.map((entry) =>
    h("li", {}, h("span", { class: "mono" }, timeOf(entry.at)), ` ${eventLabel(entry)} (${entry.source})`,
      entry.reason ? h("span", { class: "warn" }, ` reason: ${entry.event === "CallDisconnected" ? callEnd(entry.reason) : shortenWords(entry.reason)}`) : null))));
  const reasons = entries.filter((e) => e.reason && e.event !== "CallDisconnected");
  const shown = h("div", {}, area, legend,
    reasons.length ? h("ul", { class: "problems" }, reasons.map((e) => h("li", {}, `${timeOf(e.at)} ${eventLabel(e)}: ${shortenWords(e.reason)}`))) : null,
    list);
  shown.draw = draw; // once the section is on the page, at its width
  new ResizeObserver(draw).observe(area);
  return shown;
}
