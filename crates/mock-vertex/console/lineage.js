// Lineage: a model's versions and the checkpoints each was continued from, back to the
// foundation model, drawn as a tree. Read from the registry as the client's lineage walk does:
// a version's job label names its job, whose preTunedModel (or baseModel) names where it began.

import * as api from "./api.js";
import { h, replace, badge } from "./dom.js";

const JOB_LABEL = "google-vertex-llm-tuning-job-id";
const MAX_DEPTH = 64;

/** Loads the versions of `id` and, through their jobs, every version they came from. */
async function walk(id) {
  const nodes = new Map(); // "model@version" -> {model, version, parentKey, checkpointId, job}
  const foundations = new Set();
  const resolved = new Map();

  async function resolveRef(ref) {
    if (resolved.has(ref)) return resolved.get(ref);
    const { id: mid, version } = api.modelRefParts(ref);
    let versionId = /^\d+$/.test(version) ? version : "";
    if (!versionId) {
      try { versionId = (await api.getModel(mid, version)).versionId; } catch { versionId = version || "?"; }
    }
    const key = `${mid}@${versionId}`;
    resolved.set(ref, key);
    return key;
  }

  async function visit(model, depth) {
    const key = `${api.modelRefParts(model.name).id}@${model.versionId}`;
    if (nodes.has(key)) return;
    const node = { model, key, parentKey: null, checkpointId: "", job: null };
    nodes.set(key, node);
    const jobId = (model.labels || {})[JOB_LABEL];
    if (!jobId) return;
    try { node.job = await api.getJob(jobId); } catch { return; }
    const pre = node.job.preTunedModel;
    if (pre && pre.tunedModelName) {
      node.parentKey = await resolveRef(pre.tunedModelName);
      node.checkpointId = pre.checkpointId || "";
      if (!nodes.has(node.parentKey) && depth < MAX_DEPTH) {
        const [pid, pv] = node.parentKey.split("@");
        try { await visit(await api.getModel(pid, pv), depth + 1); } catch { /* deleted: shown as unknown */ }
      }
    } else if (node.job.baseModel) {
      node.parentKey = `foundation:${node.job.baseModel}`;
      foundations.add(node.job.baseModel);
    }
  }

  for (const version of await api.listVersions(id)) await visit(version, 0);
  return { nodes, foundations };
}

function nodeBox(node, currentId) {
  const { id } = api.modelRefParts(node.model.name);
  return h("span", { class: id === currentId ? "node current" : "node", "data-node": node.key },
    h("a", { href: `#/models/${encodeURIComponent(id)}/versions/${encodeURIComponent(node.model.versionId)}` },
      `${node.model.displayName || id} · version ${node.model.versionId}`),
    " ", (node.model.versionAliases || []).map((a) => badge(a, a === "default" ? "default" : "")));
}

function edgeText(child, parent) {
  if (!child.checkpointId) return "continued from its default checkpoint";
  const c = (parent?.model.checkpoints || []).find((x) => x.checkpointId === child.checkpointId);
  return c ? `continued from checkpoint ${c.checkpointId} (epoch ${c.epoch}, step ${c.step})`
    : `continued from checkpoint ${child.checkpointId}`;
}

/** `#/lineage/{id}`. */
export async function lineagePage(main, ctx, id) {
  const { nodes, foundations } = await walk(id);
  if (!ctx.current()) return;
  const children = new Map();
  for (const node of nodes.values()) {
    const parentKey = node.parentKey && (node.parentKey.startsWith("foundation:") || nodes.has(node.parentKey))
      ? node.parentKey : "unknown";
    if (!children.has(parentKey)) children.set(parentKey, []);
    children.get(parentKey).push(node);
  }
  const seen = new Set();
  const branch = (key) => {
    const kids = (children.get(key) || []).filter((k) => !seen.has(k.key));
    if (kids.length === 0) return null;
    return h("ul", {}, kids.map((kid) => {
      seen.add(kid.key);
      const parent = nodes.get(key);
      return h("li", {},
        h("span", { class: "edge" }, parent ? edgeText(kid, parent) : key === "unknown" ? "" : "tuned from the foundation model"),
        nodeBox(kid, id), branch(kid.key));
    }));
  };
  const roots = [...foundations].sort().map((f) =>
    h("li", {}, h("span", { class: "node foundation" }, "Foundation model ", h("code", {}, f)), branch(`foundation:${f}`)));
  if (children.has("unknown")) {
    roots.push(h("li", {}, h("span", { class: "node" }, "Unknown origin"), branch("unknown")));
  }
  const name = [...nodes.values()].find((n) => api.modelRefParts(n.model.name).id === id)?.model.displayName || id;
  replace(main,
    h("div", { class: "crumbs" }, h("a", { href: "#/models" }, "Model Registry"), "›",
      h("a", { href: `#/models/${encodeURIComponent(id)}` }, name), "›"),
    h("h1", {}, `Lineage of ${name}`),
    h("p", { class: "hint" }, "Each version, the checkpoint it was continued from, back to the foundation model."),
    h("ul", { class: "tree", id: "lineage", "aria-label": "Lineage" }, roots));
}
