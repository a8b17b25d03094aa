// The console's entry point: reads the default project and location, keeps the header form, and
// routes `#/...` hashes to the pages.

import { setWhere, getWhere } from "./api.js";
import { h, replace, refusal } from "./dom.js";
import { modelsPage, modelPage, versionPage } from "./registry.js";
import { createPage } from "./create.js";
import { jobsPage, jobPage } from "./jobs.js";
import { lineagePage } from "./lineage.js";
import { testPage } from "./test.js";

const main = document.getElementById("main");
let generation = 0;

/** The routes: a pattern over the hash path's segments and the page it shows. */
const routes = [
  { section: "models", match: (s) => s.length === 1 && s[0] === "models" && [], page: modelsPage },
  { section: "models", match: (s) => s.length === 2 && s[0] === "models" && [s[1]], page: modelPage },
  { section: "models", match: (s) => s.length === 4 && s[0] === "models" && s[2] === "versions" && [s[1], s[3]], page: versionPage },
  { section: "create", match: (s) => s.length === 1 && s[0] === "create" && [], page: createPage },
  { section: "jobs", match: (s) => s.length === 1 && s[0] === "jobs" && [], page: jobsPage },
  { section: "jobs", match: (s) => s.length === 2 && s[0] === "jobs" && [s[1]], page: jobPage },
  { section: "models", match: (s) => s.length === 2 && s[0] === "lineage" && [s[1]], page: lineagePage },
  { section: "test", match: (s) => s.length === 1 && s[0] === "test" && [], page: testPage },
];

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, query] = raw.split("?");
  const segments = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { segments: segments.length ? segments : ["models"], query: new URLSearchParams(query || "") };
}

async function render() {
  const mine = ++generation;
  const { segments, query } = parseHash();
  const route = routes.find((r) => r.match(segments));
  for (const link of document.querySelectorAll("nav a[data-section]")) {
    if (route && link.dataset.section === route.section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const ctx = {
    query,
    /** True while this page is still the one shown (polls stop when it is not). */
    current: () => mine === generation,
  };
  replace(main, h("p", { class: "loading" }, "Loading…"));
  if (!route) {
    replace(main, h("h1", {}, "Not found"), h("p", {}, "No page at ", h("code", {}, location.hash)));
    return;
  }
  try {
    await route.page(main, ctx, ...route.match(segments));
  } catch (err) {
    if (!ctx.current()) return;
    replace(main, h("h1", {}, "Something went wrong"),
      refusal(err.message || "The call failed", err.reasons || [String(err)]));
  }
  document.title = `${main.querySelector("h1")?.textContent || "console"} · retune console`;
}

async function start() {
  let config = { project: "", location: "" };
  try {
    const response = await fetch("/console/config.json");
    if (response.ok) config = await response.json();
  } catch {
    // No defaults: the header form asks.
  }
  // The user's choice is remembered per server defaults: the emulator and `retune console` may
  // share an origin (both default to 127.0.0.1:8080), and one's project must not leak into the other.
  const key = `retune.where.${config.project}/${config.location}`;
  let saved = {};
  try {
    saved = JSON.parse(localStorage.getItem(key) || "{}");
  } catch {
    saved = {};
  }
  const project = saved.project || config.project || "";
  const loc = saved.location || config.location || "us-central1";
  setWhere(project, loc);
  const form = document.getElementById("where");
  form.project.value = project;
  form.location.value = loc;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    setWhere(form.project.value.trim(), form.location.value.trim());
    localStorage.setItem(key, JSON.stringify(getWhere()));
    render();
  });
  window.addEventListener("hashchange", () => {
    render().then(() => main.focus({ preventScroll: true }));
  });
  await render();
}

start();
