// How the review page writes what the control API gives it: times to the second in UTC or the reader's own zone
// (their choice, kept in this browser), ids shortened with a copy button, phone numbers grouped, end reasons in
// words, sizes, and files saved from the archive piece by piece (the app serves at most one piece per request).
"use strict";

const TIMES_KEY = "review.times"; // "utc" or "local"
const SHORT_ID = 12; // characters of an id's ending shown; the whole id is copied

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

// ---- times ----------------------------------------------------------------------------------------------------------

function timesIn() {
  try { return localStorage.getItem(TIMES_KEY) === "local" ? "local" : "utc"; } catch { return "utc"; }
}

function chooseTimes(choice) {
  try { localStorage.setItem(TIMES_KEY, choice); } catch { /* a private window keeps no choice */ }
}

const pad = (n) => String(n).padStart(2, "0");

function parts(iso) {
  const d = new Date(iso);
  if (timesIn() === "local") {
    return [d.getFullYear(), pad(d.getMonth() + 1), pad(d.getDate()), pad(d.getHours()), pad(d.getMinutes()), pad(d.getSeconds())];
  }
  return [d.getUTCFullYear(), pad(d.getUTCMonth() + 1), pad(d.getUTCDate()), pad(d.getUTCHours()), pad(d.getUTCMinutes()), pad(d.getUTCSeconds())];
}

function zoneName(iso) {
  if (timesIn() === "utc") return "UTC";
  const named = new Intl.DateTimeFormat(undefined, { timeZoneName: "short" }).formatToParts(new Date(iso))
    .find((part) => part.type === "timeZoneName");
  return named ? named.value : "local";
}

// "19:20:01" in the chosen zone; "" for no time
const timeOf = (iso) => (iso ? parts(iso).slice(3).join(":") : "");
// "2026-12-07 19:20:01 UTC" in the chosen zone
function dateTimeOf(iso) {
  if (!iso) return "";
  const [y, mo, d, ...hms] = parts(iso);
  return `${y}-${mo}-${d} ${hms.join(":")} ${zoneName(iso)}`;
}

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

// ---- ids, parties, reasons ---------------------------------------------------------------------------------------------

const shortId = (id) => (id && id.length > SHORT_ID + 1 ? `…${id.slice(-SHORT_ID)}` : id || "");

// Text with every word longer than 40 characters (an id inside a reason) shortened to its ending
const shortenWords = (text) => String(text || "").replace(/\S{41,}/g, (word) => shortId(word));

function copyable(what, id, shown) {
  const button = h("button", { type: "button", class: "copy", "aria-label": `Copy ${what}`, "data-copy": id }, "Copy");
  button.addEventListener("click", () => navigator.clipboard.writeText(id).then(
    () => { button.textContent = "Copied"; },
    () => { button.textContent = "Select it"; }));
  return h("span", { class: "id" }, h("code", { title: id }, shown === undefined ? shortId(id) : shown), " ", button);
}

// A raw id as a person reads it: "4:+14256315627" -> "+1 425 631 5627"; a user id shortened
function party(raw) {
  if (!raw) return "unknown";
  if (raw.startsWith("4:+")) {
    const digits = raw.slice(3);
    if (digits.length === 11 && digits.startsWith("1")) return `+1 ${digits.slice(1, 4)} ${digits.slice(4, 7)} ${digits.slice(7)}`;
    return `+${digits}`;
  }
  return shortId(raw.replace(/^8:/, ""));
}

const END_REASONS = {
  sessionended: "the recording session ended",
  callended: "the call ended",
  chunkmaximumsizeexceeded: "cut at the maximum chunk size; the next chunk goes on",
  chunkmaximumtimeexceeded: "cut at the maximum chunk length; the next chunk goes on",
  chunkuploadfailure: "ACS could not store this chunk",
};
// "ChunkMaximumSizeExceeded" -> words; an unknown reason split into words
function endReason(reason) {
  if (!reason) return "";
  return END_REASONS[reason.toLowerCase()] || reason.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

// A call's end as ACS reported it ("200/7000 The conversation has ended. DiagCode: 0#7000.@") -> words
function callEnd(reason) {
  if (!reason) return "";
  const found = /^(\d+)\/(\d+)\s*(.*)$/.exec(reason);
  if (!found) return reason;
  const words = found[3].replace(/\s*DiagCode:.*$/i, "").replace(/\.$/, "");
  const ok = found[1].startsWith("2");
  return words ? `${ok ? "" : "failed: "}${words.charAt(0).toLowerCase()}${words.slice(1)}` : (ok ? "ended" : "failed");
}

// ---- files from the archive -----------------------------------------------------------------------------------------------

// Fetch every piece of a file (206 answers of at most one piece each) and save them as one file
async function saveFile(url, name, headers) {
  const pieces = [];
  let at = 0, total = null;
  while (total === null || at < total) {
    const response = await fetch(url, { headers: { ...headers, Range: `bytes=${at}-` } });
    if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
    const piece = await response.arrayBuffer();
    pieces.push(piece);
    if (response.status === 200) break;
    total = Number((response.headers.get("Content-Range") || "").split("/")[1]);
    if (!Number.isFinite(total) || !piece.byteLength) throw new Error(`${name}: the answer did not say its size`);
    at += piece.byteLength;
  }
  const link = h("a", { href: URL.createObjectURL(new Blob(pieces)), download: name, hidden: true });
  document.body.append(link);
  link.click();
  setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 60000);
}
