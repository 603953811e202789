// Playlists without TOML: pick exercises from the catalogue, set reps, duration, rest and mirror per exercise.
import { el, field, request, showErrors } from "./api.js";

let catalogue = [];
const SCOPES = { upper: ["full", "wrist", "fingers", "arm"], lower: ["full", "ankle", "leg"] };

export function initPlaylists() {
  document.getElementById("new-playlist").addEventListener("click", () => edit({ file: "", name: "", limb: "upper", max_minutes: null, exercises: [] }, true));
  return refresh;
}

async function refresh() {
  if (!catalogue.length) catalogue = (await request("GET", "/api/catalogue")).exercises;
  const { playlists } = await request("GET", "/api/playlists");
  document.getElementById("playlist-list").replaceChildren(...playlists.map((p) => el("li", {}, el("button", {
    "data-playlist": p.file, onclick: async () => edit(await request("GET", `/api/playlists/${encodeURIComponent(p.file)}`), false, p.source),
  }, el("span", {}, el("strong", {}, p.title), el("br"), el("span", { class: "muted" }, p.problem || `${p.limb} · ${p.exercises} exercise${p.exercises === 1 ? "" : "s"} · about ${p.planned_min} min`)),
  el("span", { class: `tag ${p.source}` }, p.source)))));
}

function edit(playlist, isNew, source = "clinic") {
  const editor = document.getElementById("playlist-editor");
  const state = structuredClone(playlist);
  if (source === "bundled") { state.file = `${state.file}_clinic`; }
  const form = el("form", { class: "stack", autocomplete: "off", id: "playlist-form" });
  const rows = el("div", { id: "exercise-rows" });
  const summary = el("span", { class: "muted", id: "playlist-summary" });

  const drawRows = () => {
    rows.replaceChildren(...state.exercises.map((item, i) => row(item, i)));
  };
  const row = (item, i) => {
    const f = (name) => `exercises[${i}].${name}`;
    const choices = catalogue.filter((e) => e.limb === state.limb);
    const exercise = catalogue.find((e) => e.id === item.id);
    const number = (name, attrs) => el("input", { type: "number", step: "any", value: item[name] ?? "", "data-field": f(name),
      oninput: (ev) => { item[name] = ev.target.value === "" ? null : Number(ev.target.value); }, ...attrs });
    const mirror = item.mirror;
    return el("div", { class: "ex-row", "data-row": i },
      el("span", { class: "num" }, i + 1),
      field("Exercise", el("select", { "data-field": f("id"), onchange: (ev) => { item.id = ev.target.value; drawRows(); } },
        choices.map((e) => el("option", { value: e.id, selected: e.id === item.id }, e.name))), f("id")),
      field("Repetitions", number("reps", { min: 1, disabled: exercise && !exercise.counts_reps })
        , f("reps")),
      field("Duration (s)", number("duration_s", { min: 1 }), f("duration_s")),
      field("Rest after (s)", number("rest_s", { min: 0 }), f("rest_s")),
      el("div", { class: "row" },
        el("button", { type: "button", class: "small", title: "Move up", disabled: i === 0, onclick: () => move(i, -1) }, "↑"),
        el("button", { type: "button", class: "small", title: "Move down", disabled: i === state.exercises.length - 1, onclick: () => move(i, 1) }, "↓"),
        el("button", { type: "button", class: "small danger", title: "Remove", onclick: () => { state.exercises.splice(i, 1); drawRows(); } }, "✕")),
      el("div", { class: "mirror" },
        el("label", { class: "inline" }, el("input", { type: "checkbox", checked: !!mirror, "data-mirror-toggle": i,
          onchange: (ev) => { item.mirror = ev.target.checked ? { scope: "full", degree: 1, gain: 1, delay_ms: 0 } : null; drawRows(); } }), "Own mirror mode"),
        mirror ? [
          field("Scope", el("select", { "data-field": f("mirror.scope"), onchange: (ev) => { mirror.scope = ev.target.value; } },
            SCOPES[state.limb].map((s) => el("option", { value: s, selected: s === mirror.scope }, s))), f("mirror.scope")),
          field("Degree 0–1", el("input", { type: "number", step: "0.05", value: mirror.degree, "data-field": f("mirror.degree"), oninput: (ev) => { mirror.degree = Number(ev.target.value); } }), f("mirror.degree")),
          field("Gain", el("input", { type: "number", step: "0.05", value: mirror.gain, "data-field": f("mirror.gain"), oninput: (ev) => { mirror.gain = Number(ev.target.value); } }), f("mirror.gain")),
          field("Delay (ms)", el("input", { type: "number", step: "10", value: mirror.delay_ms, "data-field": f("mirror.delay_ms"), oninput: (ev) => { mirror.delay_ms = Number(ev.target.value); } }), f("mirror.delay_ms")),
        ] : []));
  };
  const move = (i, d) => { const [x] = state.exercises.splice(i, 1); state.exercises.splice(i + d, 0, x); drawRows(); };

  const text = (name, label, attrs = {}) => field(label, el("input", { value: state[name] ?? "", "data-field": name,
    oninput: (ev) => { state[name] = attrs.type === "number" ? (ev.target.value === "" ? null : Number(ev.target.value)) : ev.target.value; }, ...attrs }), name);
  form.append(
    el("h2", {}, isNew ? "New playlist" : source === "bundled" ? `A clinic copy of “${playlist.name}”` : `Edit “${playlist.name}”`),
    el("div", { class: "row" },
      text("name", "Name shown to the patient", { size: 34, id: "playlist-name" }),
      field("File name (letters, digits, _ and -)", el("input", { value: state.file, "data-field": "file", id: "playlist-file", oninput: (ev) => { state.file = ev.target.value; } }), "file"),
      field("Limb", el("select", { "data-field": "limb", id: "playlist-limb", onchange: (ev) => { state.limb = ev.target.value; state.exercises = []; drawRows(); } },
        ["upper", "lower"].map((l) => el("option", { value: l, selected: l === state.limb }, l))), "limb"),
      text("max_minutes", "Session cap (minutes, optional)", { type: "number", step: "any" })),
    el("h3", {}, "Exercises"), rows,
    el("div", { class: "row" },
      el("button", { type: "button", id: "add-exercise", onclick: () => {
        const first = catalogue.find((e) => e.limb === state.limb && e.counts_reps) || catalogue.find((e) => e.limb === state.limb);
        state.exercises.push({ id: first.id, reps: first.counts_reps ? 10 : null, duration_s: first.counts_reps ? null : 30, rest_s: 0, mirror: null });
        drawRows();
      } }, "Add exercise")),
    el("div", { class: "field-error", "data-error": "form" }), el("div", { class: "field-error", "data-error": "exercises" }),
    el("div", { class: "row" },
      el("button", { type: "button", id: "check-playlist", onclick: () => submit(false) }, "Check"),
      el("button", { type: "submit", class: "primary", id: "save-playlist" }, "Save playlist"), summary));
  const body = () => ({ name: state.name, limb: state.limb, max_minutes: state.max_minutes, exercises: state.exercises });
  const submit = async (save) => {
    try {
      const result = save ? await request("PUT", `/api/playlists/${encodeURIComponent(state.file || "")}`, body())
        : await request("POST", "/api/playlists/check", body());
      showErrors(form, {});
      summary.textContent = save ? `Saved as ${result.file}: the session finds it by that name.` : `Fine: about ${result.planned_min} min at a comfortable pace.`;
      if (save) refresh();
    } catch (error) {
      summary.textContent = "";
      showErrors(form, error.fields && Object.keys(error.fields).length ? error.fields : { form: error.message });
    }
  };
  form.addEventListener("submit", (event) => { event.preventDefault(); submit(true); });
  drawRows();
  editor.replaceChildren(form);
}
