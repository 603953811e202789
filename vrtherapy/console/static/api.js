// Talking to the station: every change carries the CSRF token; errors come back field by field.
let csrf = "";

export async function signIn() {
  const me = await request("GET", "/api/me");
  csrf = me.csrf;
  return me;
}

export async function request(method, url, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, {
    method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) { window.location.assign("/pair"); throw new Error("not paired"); }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(data.error || Object.values(data.errors || {})[0] || response.statusText);
    error.fields = data.errors || {};
    throw error;
  }
  return data;
}

export const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else if (value !== false && value !== null && value !== undefined) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child instanceof Node ? child : String(child));
  }
  return node;
};

// Show refusals next to the fields they name (data-field / data-error), or in the form's own line.
export function showErrors(root, fields) {
  root.querySelectorAll(".invalid").forEach((n) => n.classList.remove("invalid"));
  root.querySelectorAll(".field-error").forEach((n) => { n.textContent = ""; });
  for (const [field, message] of Object.entries(fields || {})) {
    const input = root.querySelector(`[data-field="${CSS.escape(field)}"]`);
    const slot = root.querySelector(`[data-error="${CSS.escape(field)}"]`) || root.querySelector('[data-error="form"]');
    if (input) input.classList.add("invalid");
    if (slot) slot.textContent = message;
    else if (input) input.insertAdjacentElement("afterend", el("div", { class: "field-error" }, message));
  }
}

export function field(label, input, name) {
  return el("label", {}, label, input, el("div", { class: "field-error", "data-error": name }));
}

export const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : "–");

// A job with progress (report, export): poll until done, drawing the bar and the step.
export async function followJob(job, bar, line) {
  for (;;) {
    bar.style.width = `${Math.round(job.fraction * 100)}%`;
    line.textContent = job.status === "failed" ? `Failed: ${job.error}` : job.step;
    if (job.status !== "running") return job;
    await new Promise((r) => setTimeout(r, 250));
    job = await request("GET", `/api/jobs/${job.id}`);
  }
}
