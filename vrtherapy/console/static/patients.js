// Patients and their records: profile, pain diary (with corrections and the audit trail), sessions, report.
import { el, field, fmtTime, followJob, request, showErrors } from "./api.js";

let meta = {};
let current = null; // the patient shown

export function initPatients(metaData) {
  meta = metaData;
  document.getElementById("patient-search").addEventListener("input", refreshList);
  document.getElementById("new-patient").addEventListener("click", () => openPatient(null));
  document.querySelectorAll("#patient-detail .subtabs button").forEach((b) => b.addEventListener("click", () => sub(b.dataset.sub)));
  return refreshList;
}

async function refreshList() {
  const q = document.getElementById("patient-search").value;
  const { patients } = await request("GET", `/api/patients?q=${encodeURIComponent(q)}`);
  const list = document.getElementById("patient-list");
  list.replaceChildren(...patients.map((p) => el("li", {}, el("button", {
    "aria-current": current === p.patient_id ? "true" : "false", "data-patient": p.patient_id,
    onclick: () => openPatient(p.patient_id),
  }, el("span", {}, el("strong", {}, p.patient_id), " ", el("span", { class: "muted" }, `${p.affected_side} ${p.limb}, ${p.level.replaceAll("_", " ")}`)),
  el("span", { class: "tag" }, `${p.sessions} session${p.sessions === 1 ? "" : "s"}`)))));
  if (!patients.length) list.append(el("li", { class: "muted" }, q ? "No patient matches." : "No patients yet."));
}

function sub(name) {
  document.querySelectorAll("#patient-detail .subtabs button").forEach((b) => b.setAttribute("aria-current", b.dataset.sub === name ? "true" : "false"));
  document.querySelectorAll("#patient-detail [data-subview]").forEach((v) => { v.hidden = v.dataset.subview !== name; });
  const render = { profile: renderProfile, pain: renderPain, history: renderHistory, report: renderReport }[name];
  if (current || name === "profile") render();
}

async function openPatient(id) {
  current = id;
  document.getElementById("patient-empty").hidden = true;
  document.getElementById("patient-detail").hidden = false;
  document.getElementById("patient-title").textContent = id ? `Patient ${id}` : "Register a patient";
  document.querySelectorAll("#patient-detail .subtabs button").forEach((b) => { b.disabled = !id && b.dataset.sub !== "profile"; });
  sub("profile");
  refreshList();
}

// An ISO time as a datetime-local field shows it: the station's local time, to the minute.
const localInput = (iso) => { const d = new Date(iso); d.setMinutes(d.getMinutes() - d.getTimezoneOffset()); return d.toISOString().slice(0, 16); };

const options = (values, chosen) => values.map((v) => el("option", { value: v, selected: v === chosen }, v.replaceAll("_", " ")));

async function renderProfile() {
  const root = document.querySelector('[data-subview="profile"]');
  const p = current ? await request("GET", `/api/patients/${encodeURIComponent(current)}`) : {
    patient_id: "", affected_side: "left", limb: "upper", condition: "amputation", level: "", measurements: {},
    prescribed_minutes_per_week: 60, notes: "",
  };
  const input = (name, attrs = {}) => el("input", { name, "data-field": name, value: p[name] ?? "", ...attrs });
  const level = el("select", { name: "level", "data-field": "level" });
  const measures = el("div", { class: "row" });
  const form = el("form", { class: "stack", autocomplete: "off" });
  // The levels and measurements offered follow the condition and the limb (the records layer's tables).
  const follow = () => {
    const condition = form.querySelector('[name="condition"]').value;
    const limb = form.querySelector('[name="limb"]').value;
    const chosen = level.value || p.level;
    level.replaceChildren(el("option", { value: "" }, "choose…"), ...options(meta.levels[`${condition}/${limb}`] || [], chosen));
    measures.replaceChildren(...Object.entries(meta.measurements[limb] || {}).map(([name, [lo, hi]]) =>
      field(`${name.replace("_", " ")} (m)`, el("input", { type: "number", step: "any", "data-measure": name, "data-field": `measurements.${name}`,
        placeholder: `${lo}–${hi}`, value: p.measurements && p.measurements[name] !== undefined ? p.measurements[name] : "" }), `measurements.${name}`)));
  };
  form.append(...[
    el("div", { class: "row" },
      field("Pseudonymous ID (no names)", input("patient_id", { readonly: !!current, required: true, maxlength: 32 }), "patient_id"),
      field("Condition", el("select", { name: "condition", "data-field": "condition", onchange: follow }, options(meta.conditions, p.condition)), "condition"),
      field("Affected side", el("select", { name: "affected_side", "data-field": "affected_side" }, options(meta.sides, p.affected_side)), "affected_side"),
      field("Limb", el("select", { name: "limb", "data-field": "limb", onchange: follow }, options(meta.limbs, p.limb)), "limb"),
      field("Level", level, "level")),
    el("div", { class: "row" },
      field("Date of amputation or stroke", input("amputation_date", { type: "date" }), "amputation_date"),
      field("Prescribed minutes a week", input("prescribed_minutes_per_week", { type: "number", step: "any" }), "prescribed_minutes_per_week")),
    el("h3", {}, "Intact limb, metres"), measures, el("div", { class: "field-error", "data-error": "measurements" }),
    field("Notes", el("textarea", { name: "notes", "data-field": "notes" }, p.notes || ""), "notes"),
    current ? field("Reason for the change (kept in the audit trail)", el("input", { name: "reason", "data-field": "reason", size: 50 }), "reason") : null,
    el("div", { class: "field-error", "data-error": "form" }),
    el("div", { class: "row" }, el("button", { class: "primary", type: "submit", id: "save-profile" }, current ? "Save changes" : "Register patient"),
      el("span", { class: "muted", id: "profile-saved" }))].filter(Boolean));
  follow();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    data.measurements = {};
    form.querySelectorAll("[data-measure]").forEach((m) => { if (m.value !== "") data.measurements[m.dataset.measure] = Number(m.value); });
    data.prescribed_minutes_per_week = data.prescribed_minutes_per_week === "" ? null : Number(data.prescribed_minutes_per_week);
    if (current) delete data.patient_id;
    try {
      const saved = current
        ? await request("PUT", `/api/patients/${encodeURIComponent(current)}`, data)
        : await request("POST", "/api/patients", data);
      showErrors(form, {});
      form.querySelector("#profile-saved").textContent = current ? "Saved." : "Registered.";
      if (!current) openPatient(saved.patient_id); else refreshList();
    } catch (error) {
      showErrors(form, error.fields && Object.keys(error.fields).length ? error.fields : { form: error.message });
    }
  });
  root.replaceChildren(form);
}

function painForm(entry, onDone) {
  const value = (k) => (entry && entry[k] !== null && entry[k] !== undefined ? entry[k] : "");
  const form = el("form", { class: "stack panel", autocomplete: "off", id: entry ? "pain-correction" : "pain-new" },
    el("h3", {}, entry ? `Correct entry ${entry.id}` : "Log a pain rating between sessions"),
    el("div", { class: "row" },
      field("Pain (0 no pain – 10 worst)", el("input", { name: "score", "data-field": "score", type: "number", min: 0, max: 10, step: 1, value: value("score"), required: true }), "score"),
      field("When (empty: now)", el("input", { name: "at", "data-field": "at", type: "datetime-local", value: entry ? localInput(entry.at) : "" }), "at"),
      field("How long (minutes)", el("input", { name: "duration_min", "data-field": "duration_min", type: "number", step: "any", value: value("duration_min") }), "duration_min"),
      field("Where", el("select", { name: "location", "data-field": "location" }, el("option", { value: "" }, "not said"),
        ["phantom", "residual"].map((v) => el("option", { value: v, selected: entry && entry.location === v }, v === "phantom" ? "phantom limb" : "residual limb"))), "location")),
    el("div", { class: "row" },
      field("Triggers (comma-separated)", el("input", { name: "triggers", "data-field": "triggers", value: entry ? entry.triggers.join(", ") : "" }), "triggers"),
      field("Medications (comma-separated)", el("input", { name: "medications", "data-field": "medications", value: entry ? entry.medications.join(", ") : "" }), "medications")),
    field("Note", el("input", { name: "note", "data-field": "note", value: value("note"), size: 60 }), "note"),
    entry ? field("Reason for the correction", el("input", { name: "reason", "data-field": "reason", required: true, size: 50 }), "reason") : null,
    el("div", { class: "field-error", "data-error": "form" }),
    el("div", { class: "row" }, el("button", { class: "primary", type: "submit" }, entry ? "Save correction" : "Log rating"),
      entry ? el("button", { type: "button", onclick: onDone }, "Cancel") : null));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    data.score = data.score === "" ? null : Number(data.score);
    data.duration_min = data.duration_min === "" ? null : Number(data.duration_min);
    if (entry) { // a correction changes only what the therapist changed
      const before = { score: entry.score, at: localInput(entry.at), duration_min: entry.duration_min, location: entry.location || "",
        triggers: entry.triggers.join(", "), medications: entry.medications.join(", "), note: entry.note || "" };
      for (const key of Object.keys(before)) if (String(data[key] ?? "") === String(before[key] ?? "")) delete data[key];
    }
    try {
      if (entry) await request("PUT", `/api/pain/${entry.id}`, data);
      else await request("POST", `/api/patients/${encodeURIComponent(current)}/pain`, data);
      onDone();
    } catch (error) {
      showErrors(form, error.fields && Object.keys(error.fields).length ? error.fields : { form: error.message });
    }
  });
  return form;
}

async function renderPain() {
  const root = document.querySelector('[data-subview="pain"]');
  const data = await request("GET", `/api/patients/${encodeURIComponent(current)}/pain`);
  const holder = el("div");
  const rows = data.entries.slice().reverse().map((e) => el("tr", { class: e.voided_at ? "voided" : "", "data-entry": e.id },
    el("td", {}, fmtTime(e.at)), el("td", {}, el("strong", {}, e.score)), el("td", {}, e.location ? `${e.kind}, ${e.location}` : e.kind),
    el("td", {}, (e.triggers || []).join(", ")), el("td", {}, (e.medications || []).join(", ")),
    el("td", {}, e.duration_min ?? ""), el("td", {}, e.note || ""),
    el("td", { class: "actions" }, e.voided_at ? el("span", { class: "tag", title: e.void_reason || "" }, "voided") : [
      el("button", { class: "small", onclick: () => holder.replaceChildren(painForm(e, renderPain)) }, "Edit"), " ",
      el("button", { class: "small danger", onclick: () => holder.replaceChildren(voidForm(e)) }, "Void")])));
  const audit = (data.audit || []).slice().reverse().map((a) => el("tr", {},
    el("td", {}, fmtTime(a.at)), el("td", {}, a.by), el("td", {}, `${a.entity} ${a.entity_id}`),
    el("td", {}, a.field === "add" ? "registered" : a.field),
    el("td", {}, a.field === "add" ? "" : `${a.old_value ?? "–"} → ${a.new_value ?? "–"}`), el("td", {}, a.reason || "")));
  root.replaceChildren(el("div", { class: "stack" }, painForm(null, renderPain), holder,
    el("table", { id: "pain-table" }, el("thead", {}, el("tr", {}, ["When", "Pain", "Kind", "Triggers", "Medications", "Minutes", "Note", ""].map((h) => el("th", {}, h)))),
      el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", { colspan: 8, class: "muted" }, "No pain ratings yet.")))),
    el("h3", {}, "Audit trail"),
    audit.length ? el("table", { id: "audit-table" }, el("thead", {}, el("tr", {}, ["When", "Who", "Entry", "Change", "Old → new", "Reason"].map((h) => el("th", {}, h)))), el("tbody", {}, audit))
      : el("p", { class: "muted" }, "No corrections.")));
}

function voidForm(entry) {
  const form = el("form", { class: "panel stack" }, el("h3", {}, `Void entry ${entry.id} (pain ${entry.score})`),
    field("Reason (kept in the audit trail)", el("input", { name: "reason", "data-field": "reason", required: true, size: 50 }), "reason"),
    el("div", { class: "field-error", "data-error": "form" }),
    el("div", { class: "row" }, el("button", { class: "danger", type: "submit" }, "Void entry"), el("button", { type: "button", onclick: renderPain }, "Cancel")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await request("POST", `/api/pain/${entry.id}/void`, Object.fromEntries(new FormData(form)));
      renderPain();
    } catch (error) { showErrors(form, error.fields && Object.keys(error.fields).length ? error.fields : { form: error.message }); }
  });
  return form;
}

// The session controls as a therapist would say them.
const CONTROL_WORDS = {
  pause: "paused", resume: "resumed", skip: "skipped the exercise", stop: "stopped the session",
  "mirror.degree": "mirror degree", "mirror.gain": "mirror gain", "mirror.scope": "mirror scope",
  "mirror.delay_ms": "added delay (ms)", phantom_only: "virtual limb only", pain_before: "pain before:", pain_after: "pain after:",
};

const num = (v, unit = "", digits = 0) => (v === null || v === undefined ? "–" : `${Number(v).toFixed(digits)}${unit}`);

async function renderHistory() {
  const root = document.querySelector('[data-subview="history"]');
  const { sessions } = await request("GET", `/api/patients/${encodeURIComponent(current)}/sessions`);
  if (!sessions.length) { root.replaceChildren(el("p", { class: "muted" }, "No sessions yet.")); return; }
  root.replaceChildren(...sessions.map((s) => el("details", { class: "panel", open: s === sessions[0], "data-session": s.id },
    el("summary", {}, el("strong", {}, `Session ${s.number} · ${fmtTime(s.started_at)}`), ` · ${s.playlist} · ${s.status} · ${s.minutes} min · pain ${s.pain_before ?? "–"} → ${s.pain_after ?? "–"}`),
    el("table", {}, el("thead", {}, el("tr", {}, ["Exercise", "Repetitions", "Range of motion", "Delay (mean / p95)", "Time", "Done"].map((h) => el("th", {}, h)))),
      el("tbody", {}, s.exercises.map((e) => el("tr", {}, el("td", {}, e.exercise_id),
        el("td", {}, e.reps === null ? "–" : `${e.reps}${e.target_reps ? ` / ${e.target_reps}` : ""}`),
        el("td", {}, num(e.rom_deg, "°")), el("td", {}, `${num(e.latency_ms_mean, " ms")} / ${num(e.latency_ms_p95, " ms")}`),
        el("td", {}, num(e.duration_s, " s")), el("td", {}, e.completed ? "yes" : "no"))))),
    s.controls && s.controls.length ? el("div", {}, el("h3", { class: "gap-top" }, "Changed from the console"),
      el("ul", {}, s.controls.map((c) => el("li", {}, `${fmtTime(c.at)} · ${c.by}: ${CONTROL_WORDS[c.detail.what] || c.detail.what}${c.detail.old ? ` ${c.detail.old} → ${c.detail.new}` : c.detail.new ? ` ${c.detail.new}` : ""}`)))) : null)));
}

async function runJob(root, url, label, onDone) {
  const bar = el("div");
  const line = el("span", { class: "muted" }, "starting");
  const box = el("div", { class: "stack panel" }, el("strong", {}, label), el("div", { class: "progress" }, bar), line);
  root.append(box);
  try {
    const job = await followJob(await request("POST", url), bar, line);
    if (job.status === "done") onDone(job, box);
  } catch (error) { line.textContent = `Failed: ${error.message}`; }
}

function renderReport() {
  const root = document.querySelector('[data-subview="report"]');
  const out = el("div", { class: "stack" });
  const id = encodeURIComponent(current);
  const link = (job, name, text) => el("a", { href: `/api/jobs/${job.id}/files/${encodeURIComponent(name)}?download=true`, download: name }, text || name);
  root.replaceChildren(el("div", { class: "stack" },
    el("div", { class: "row" },
      el("button", { class: "primary", id: "make-report", onclick: () => runJob(out, `/api/patients/${id}/report`, "Progress report", (job, box) => {
        box.append(el("div", { class: "row" }, link(job, "report.pdf", "Download the PDF report"), link(job, "report.json", "the figures (JSON)")),
          el("div", { class: "charts" }, job.files.filter((f) => f.endsWith(".png")).map((f) => el("img", { src: `/api/jobs/${job.id}/files/${encodeURIComponent(f)}`, alt: f }))));
      }) }, "Make the report"),
      el("button", { id: "export-csv", onclick: () => runJob(out, `/api/patients/${id}/export?format=csv`, "CSV export", (job, box) => box.append(el("div", { class: "row" }, job.files.map((f) => link(job, f))))) }, "Export CSV"),
      el("button", { id: "export-fhir", onclick: () => runJob(out, `/api/patients/${id}/export?format=fhir`, "FHIR export", (job, box) => box.append(el("div", { class: "row" }, job.files.map((f) => link(job, f))))) }, "Export FHIR")),
    out));
}
