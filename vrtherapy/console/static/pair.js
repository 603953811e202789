// Pairing: send the code shown on the station and the therapist's name; the station sets the session cookie.
document.getElementById("pair-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("pair-error");
  error.textContent = "";
  const body = { code: document.getElementById("code").value, name: document.getElementById("name").value };
  const response = await fetch("/api/pair", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), credentials: "same-origin",
  });
  if (response.ok) { window.location.assign("/"); return; }
  const data = await response.json().catch(() => ({}));
  const wait = response.headers.get("Retry-After");
  error.textContent = (data.error || "Pairing failed") + (wait ? ` (about ${wait} s)` : "");
});
