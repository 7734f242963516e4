// Search by participant (#/search?participant=...&from=...&to=...&verdict=...): the calls a participant took part
// in, newest first, from GET /api/search. The participant is written as a person types it (+1 425 555 0100,
// 14255550100, 4:+14255550100, 8:acs:...); the app finds the calls from its participant index.
"use strict";

const VERDICTS = ["complete", "incomplete", "failed", "no_media", "recording"];

function searchForm(given) {
  const form = h("form", { class: "filter search", role: "search", "aria-label": "Find calls by participant", onsubmit: (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const name of ["participant", "from", "to", "verdict"]) {
      if (form.elements[name].value) query.set(name, form.elements[name].value);
    }
    location.hash = `#/search?${query}`;
  } },
  h("label", {}, "Participant", h("input", { type: "search", name: "participant", value: given.get("participant") || "",
    placeholder: "+1 425 555 0100", required: true, autocomplete: "off" })),
  h("label", {}, "From (UTC)", h("input", { type: "date", name: "from", value: given.get("from") || "" })),
  h("label", {}, "To (UTC)", h("input", { type: "date", name: "to", value: given.get("to") || "" })),
  h("label", {}, "Verdict", h("select", { name: "verdict" }, h("option", { value: "" }, "any"),
    VERDICTS.map((name) => h("option", { value: name, selected: name === given.get("verdict") }, name.replace("_", " "))))),
  h("button", { type: "submit", class: "primary" }, "Find"));
  return form;
}

function searchView(given) {
  const main = document.getElementById("main");
  const tbody = h("tbody");
  const more = h("button", { type: "button", hidden: true }, "Show more calls");
  const title = `Calls with ${given.get("participant") || ""}`;
  main.replaceChildren(h("h2", {}, title), searchForm(given), table(title, CALL_COLUMNS, tbody, "calls"), h("p", {}, more));
  return pagedCalls("search", given, tbody, more);
}
