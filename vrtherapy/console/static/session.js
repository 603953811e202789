// The live session: start it, watch what the patient sees, follow its state, steer it, answer the pain question.
import { el, request, showErrors } from "./api.js";

let timer = null;
let viewing = false;
let frames = [];          // arrival times of live-view frames, for the fps shown
let lastFrame = -1;
let limbScopes = [];
const SCOPES = { upper: ["full", "wrist", "fingers", "arm"], lower: ["full", "ankle", "leg"] };

export function initSession() {
  const form = document.getElementById("start-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const minutes = document.getElementById("start-minutes").value;
    const body = {
      patient_id: document.getElementById("start-patient").value,
      playlist: document.getElementById("start-playlist").value,
      display: document.getElementById("start-display").value,
      seconds: minutes === "" ? null : Number(minutes) * 60,
    };
    try {
      await request("POST", "/api/session", body);
      showErrors(form, {});
      follow();
    } catch (error) {
      showErrors(form, error.fields && Object.keys(error.fields).length ? error.fields : { session: error.message });
    }
  });
  document.getElementById("start-patient").addEventListener("change", fillPlaylists);
  for (const name of ["pause", "resume", "skip"]) document.getElementById(`ctl-${name}`).addEventListener("click", () => command(name));
  document.getElementById("ctl-stop").addEventListener("click", () => { if (window.confirm("Stop the session now?")) command("stop"); });
  const degree = document.getElementById("mirror-degree");
  const gain = document.getElementById("mirror-gain");
  degree.addEventListener("input", () => { document.getElementById("degree-value").textContent = Number(degree.value).toFixed(2); });
  gain.addEventListener("input", () => { document.getElementById("gain-value").textContent = Number(gain.value).toFixed(2); });
  degree.addEventListener("change", () => command("mirror", { degree: Number(degree.value) }));
  gain.addEventListener("change", () => command("mirror", { gain: Number(gain.value) }));
  document.getElementById("mirror-scope").addEventListener("change", (ev) => command("mirror", { scope: ev.target.value }));
  document.getElementById("mirror-delay").addEventListener("change", (ev) => command("mirror", { delay_ms: Number(ev.target.value) }));
  document.getElementById("phantom-only").addEventListener("change", (ev) => command("phantom_only", ev.target.checked));
  document.getElementById("painpad").replaceChildren(...Array.from({ length: 11 }, (_, n) => el("button", {
    type: "button", "data-pain": n, onclick: () => command("pain", n),
  }, n)));
  return onShow;
}

let patients = [];
let playlists = [];

async function onShow() {
  [patients, playlists] = await Promise.all([
    request("GET", "/api/patients").then((d) => d.patients), request("GET", "/api/playlists").then((d) => d.playlists)]);
  const select = document.getElementById("start-patient");
  const chosen = select.value;
  select.replaceChildren(...patients.map((p) => el("option", { value: p.patient_id, selected: p.patient_id === chosen }, `${p.patient_id} (${p.affected_side} ${p.limb})`)));
  fillPlaylists();
  follow();
}

function fillPlaylists() {
  const patient = patients.find((p) => p.patient_id === document.getElementById("start-patient").value);
  const select = document.getElementById("start-playlist");
  const chosen = select.value;
  const fitting = playlists.filter((p) => !p.problem && (!patient || p.limb === patient.limb));
  select.replaceChildren(...fitting.map((p) => el("option", { value: p.file, selected: p.file === chosen }, `${p.title} (${p.source}, ~${p.planned_min} min)`)));
}

async function command(name, value) {
  const slot = name === "mirror" || name === "phantom_only" ? { mirror: "" } : { session: "" };
  try {
    await request("POST", "/api/session/command", { name, value });
    showErrors(document.getElementById("live"), {});
  } catch (error) {
    const key = Object.keys(slot)[0];
    showErrors(document.getElementById("live"), { [key]: error.message });
  }
}

function follow() {
  if (timer === null) timer = setInterval(poll, 200);
  poll();
}

// As the patient's HUD shows it (whole seconds, rounded).
const clock = (s) => { if (s === null || s === undefined) return "–"; const r = Math.max(0, Math.round(s)); return `${Math.floor(r / 60)}:${String(r % 60).padStart(2, "0")}`; };
const setText = (id, text) => { const node = document.getElementById(id); if (node.textContent !== text) node.textContent = text; };

async function poll() {
  const { session } = await request("GET", "/api/session");
  const live = document.getElementById("live");
  if (!session) { live.hidden = true; return; }
  live.hidden = false;
  const running = session.status === "running" || session.status === "starting";
  document.getElementById("start-button").disabled = running;
  document.getElementById("start-form").hidden = running; // the live view gets the room while a session runs
  if (running && !viewing) view();
  const title = session.stage === "pain_before" || session.stage === "pain_after" ? "Pain question"
    : session.status === "ended" || session.status === "failed" ? (session.status === "failed" ? "Session failed" : "Session ended")
      : session.exercise || (session.phase === "done" ? "Well done" : "Starting…");
  setText("live-exercise", title);
  setText("live-phase", session.paused ? "paused" : session.status === "running" ? (session.phase || session.stage) : session.status);
  setText("live-left", clock(session.seconds_left));
  setText("live-reps", session.reps === null ? "–" : `${session.reps}${session.target_reps ? ` / ${session.target_reps}` : ""}`);
  setText("live-rom", session.rom_deg === null ? "–" : `${Math.round(session.rom_deg)}°`);
  setText("live-delay", session.delay_ms === null ? "–" : `${Math.round(session.delay_ms)} ms`);
  setText("live-rate", `${session.fps.toFixed(0)} fps`);
  setText("live-index", session.exercise_count ? `${Math.min(session.exercise_index + 1, session.exercise_count)} of ${session.exercise_count}` : "–");
  const tracking = session.tracking;
  document.getElementById("live-dot").className = `dot ${tracking.split(" ")[0]}`;
  setText("live-tracking", tracking);
  setText("live-advice", session.advice);
  setText("live-session-line", `${session.patient_id} · ${session.playlist} · ${session.display}${session.session_id ? ` · session ${session.session_id}` : ""}${session.message ? ` · ${session.message}` : ""}`);
  setText("live-caption", session.display === "xr" ? "headset, left eye" : "what the patient sees");
  const pain = document.getElementById("pain-card");
  pain.hidden = !session.pain_question;
  if (session.pain_question) setText("pain-title", `Pain ${session.pain_question} the session: ${session.pain_answer}`);
  if (session.mirror) syncMirror(session);
  for (const id of ["ctl-pause", "ctl-resume", "ctl-skip", "ctl-stop"]) document.getElementById(id).disabled = !running;
  document.getElementById("ctl-pause").disabled = !running || session.paused;
  document.getElementById("ctl-resume").disabled = !running || !session.paused;
  if (!running) { viewing = false; }
}

function syncMirror(session) {
  const m = session.mirror;
  const active = document.activeElement;
  const set = (id, v) => { const n = document.getElementById(id); if (n !== active && String(n.value) !== String(v)) n.value = v; };
  const scope = document.getElementById("mirror-scope");
  const scopes = SCOPES[limbOf(session)];
  if (scopes.join() !== limbScopes.join()) { limbScopes = scopes; scope.replaceChildren(...scopes.map((s) => el("option", { value: s }, s))); }
  document.getElementById("mirror-degree").dataset.applied = String(m.degree); // as the session has it now
  set("mirror-degree", m.degree); set("mirror-gain", m.gain); set("mirror-scope", m.scope); set("mirror-delay", m.delay_ms);
  setText("degree-value", Number(m.degree).toFixed(2)); setText("gain-value", Number(m.gain).toFixed(2));
  const phantom = document.getElementById("phantom-only");
  if (phantom !== active) phantom.checked = session.phantom_only;
}

function limbOf(session) {
  const p = playlists.find((x) => x.file === session.playlist);
  return p ? p.limb : "upper";
}

// The live view: fetch the newest JPEG as soon as the previous one has arrived (the server waits for a new one).
async function view() {
  viewing = true;
  const img = document.getElementById("live-frame");
  while (viewing) {
    try {
      const response = await fetch(`/api/session/frame.jpg?after=${lastFrame}`, { credentials: "same-origin", cache: "no-store" });
      if (response.status === 200) {
        lastFrame = Number(response.headers.get("X-Frame"));
        const url = URL.createObjectURL(await response.blob());
        await new Promise((resolve) => { img.onload = resolve; img.onerror = resolve; img.src = url; });
        const old = img.dataset.url;
        img.dataset.url = url;
        img.dataset.frame = String(lastFrame);
        if (old) URL.revokeObjectURL(old);
        const now = performance.now();
        frames.push(now);
        frames = frames.filter((t) => now - t < 2000);
        const fps = frames.length > 1 ? ((frames.length - 1) * 1000) / (now - frames[0]) : 0;
        const line = document.getElementById("live-fps");
        line.textContent = `live view: ${fps.toFixed(1)} fps`;
        line.dataset.fps = fps.toFixed(2);
        line.dataset.count = String(Number(line.dataset.count || 0) + 1);
      } else {
        await new Promise((r) => setTimeout(r, 200));
      }
    } catch (error) {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
