// The console's page: three sections (patients, playlists, session) on one page, no build step.
import { request, signIn } from "./api.js";
import { initPatients } from "./patients.js";
import { initPlaylists } from "./playlists.js";
import { initSession } from "./session.js";

const views = ["patients", "playlists", "session"];
const shown = {};

function show(view) {
  for (const name of views) {
    document.getElementById(`view-${name}`).hidden = name !== view;
    document.querySelector(`nav.tabs [data-view="${name}"]`).setAttribute("aria-current", name === view ? "page" : "false");
  }
  if (shown[view]) shown[view]();
}

async function main() {
  const me = await signIn();
  document.getElementById("who").textContent = `Signed in as ${me.name}`;
  document.getElementById("unpair").addEventListener("click", async () => {
    await request("POST", "/api/unpair");
    window.location.assign("/pair");
  });
  const meta = await request("GET", "/api/meta");
  shown.patients = initPatients(meta);
  shown.playlists = initPlaylists(meta);
  shown.session = initSession(meta);
  document.querySelectorAll("nav.tabs button").forEach((b) => b.addEventListener("click", () => show(b.dataset.view)));
  show("patients");
}

main();
