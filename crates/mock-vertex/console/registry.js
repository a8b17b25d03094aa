// Model Registry: the models with their versions, a model's versions, and a version's page with
// its checkpoints (the default one marked), aliases, labels and "set as default checkpoint".

import * as api from "./api.js";
import { h, on, replace, table, facts, refusal, badge, field } from "./dom.js";

const versionHref = (id, version) => `#/models/${encodeURIComponent(id)}/versions/${encodeURIComponent(version)}`;

function aliasBadges(aliases) {
  return (aliases || []).map((a) => badge(a, a === "default" ? "default" : ""));
}

/** `#/models`: every model with its versions. */
export async function modelsPage(main, ctx) {
  const models = await api.listModels();
  const withVersions = await Promise.all(models.map(async (m) => {
    const { id } = api.modelRefParts(m.name);
    return { model: m, id, versions: await api.listVersions(id) };
  }));
  if (!ctx.current()) return;
  replace(main,
    h("h1", {}, "Model Registry"),
    models.length === 0
      ? h("p", {}, "No models yet. ", h("a", { href: "#/create" }, "Create tuned model"), ".")
      : table(null, ["Model", "ID", "Versions", ""], withVersions.map(({ model, id, versions }) => [
        h("a", { href: `#/models/${encodeURIComponent(id)}` }, model.displayName || id),
        h("code", {}, id),
        h("span", {}, versions.map((v) => h("span", { class: "version-link" },
          h("a", { href: versionHref(id, v.versionId) }, `Version ${v.versionId}`), " ", aliasBadges(v.versionAliases), " "))),
        h("a", { href: `#/lineage/${encodeURIComponent(id)}` }, "Lineage"),
      ])));
}

/** `#/models/{id}`: a model's versions. */
export async function modelPage(main, ctx, id) {
  const versions = await api.listVersions(id);
  if (!ctx.current()) return;
  const first = versions[0] || {};
  replace(main,
    h("div", { class: "crumbs" }, h("a", { href: "#/models" }, "Model Registry"), "›"),
    h("h1", {}, first.displayName || id),
    facts([["Model ID", h("code", {}, id)], ["Description", first.description]]),
    h("p", {}, h("a", { href: `#/lineage/${encodeURIComponent(id)}` }, "Lineage"), " · ",
      h("a", { href: `#/create?model=${encodeURIComponent(id)}` }, "Tune a pre-tuned model from it")),
    h("h2", {}, "All versions"),
    table(null, ["Version", "Aliases", "Checkpoints", "Created"], versions.map((v) => [
      h("a", { href: versionHref(id, v.versionId) }, `Version ${v.versionId}`),
      aliasBadges(v.versionAliases),
      String((v.checkpoints || []).length),
      v.versionCreateTime || "",
    ])));
}

/** `#/models/{id}/versions/{v}`: one version. */
export async function versionPage(main, ctx, id, version) {
  const [model, served] = await Promise.all([api.getModel(id, version), api.checkpointsByEndpoint()]);
  if (!ctx.current()) return;
  const status = h("div", { id: "version-status" });
  const show = (fn) => async (event) => {
    event.preventDefault();
    replace(status);
    try {
      await fn();
      await versionPage(main, ctx, id, version);
      replace(document.getElementById("version-status") || status, h("div", { class: "notice", role: "status" }, "Saved."));
    } catch (err) {
      replace(status, refusal(err.message, err.reasons || [String(err)]));
    }
  };

  const checkpoints = model.checkpoints || [];
  const defaultId = model.defaultCheckpointId || "";
  const checkpointRows = checkpoints.map((c) => [
    h("span", {}, h("code", {}, c.checkpointId), " ", c.checkpointId === defaultId ? badge("default", "default") : null),
    String(c.epoch ?? ""),
    String(c.step ?? ""),
    c.checkpointId === defaultId
      ? h("span", { class: "hint" }, "Default checkpoint")
      : on(h("button", { type: "button", class: "secondary", "data-checkpoint": c.checkpointId },
        "Set as default checkpoint"), "click",
      show(() => api.updateVersion(id, version, { defaultCheckpointId: c.checkpointId }, "defaultCheckpointId"))),
  ]);

  const aliasInput = h("input", { id: "alias-input", name: "alias", autocomplete: "off", spellcheck: "false", required: true });
  const aliasForm = on(h("form", { class: "inline", "aria-label": "Add or move an alias" },
    field("Alias", aliasInput, ""),
    h("button", { type: "submit" }, "Add alias")),
  "submit", show(() => api.mergeVersionAliases(id, version, [aliasInput.value.trim()])));
  const aliasRows = (model.versionAliases || []).map((a) => [
    badge(a, a === "default" ? "default" : ""),
    a === "default"
      ? h("span", { class: "hint" }, "Move it by adding it to another version")
      : on(h("button", { type: "button", class: "link", "aria-label": `Remove alias ${a}` }, "Remove"), "click",
        show(() => api.mergeVersionAliases(id, version, [`-${a}`]))),
  ]);

  const labels = model.labels || {};
  const keyInput = h("input", { id: "label-key", name: "labelKey", autocomplete: "off", required: true });
  const valueInput = h("input", { id: "label-value", name: "labelValue", autocomplete: "off" });
  const labelForm = on(h("form", { class: "inline", "aria-label": "Set a label" },
    field("Key", keyInput), field("Value", valueInput), h("button", { type: "submit" }, "Set label")),
  "submit", show(() => api.updateVersion(id, version,
    { labels: { ...labels, [keyInput.value.trim()]: valueInput.value.trim() } }, "labels")));

  const endpoint = (model.deployedModels || []).find((d) => served.get(d.endpoint) === defaultId)?.endpoint
    || (model.deployedModels || [])[0]?.endpoint;

  replace(main,
    h("div", { class: "crumbs" }, h("a", { href: "#/models" }, "Model Registry"), "›",
      h("a", { href: `#/models/${encodeURIComponent(id)}` }, model.displayName || id), "›"),
    h("h1", {}, `${model.displayName || id} · Version ${model.versionId}`),
    facts([
      ["Model", h("code", {}, `${api.lastSegment(model.name).split("@")[0]}@${model.versionId}`)],
      ["Created", model.versionCreateTime],
      ["Description", model.versionDescription],
      ["KMS key", model.encryptionSpec?.kmsKeyName ? h("code", {}, model.encryptionSpec.kmsKeyName) : null],
      ["Base model", labels["google-vertex-llm-tuning-base-model-id"]],
      ["Tuning job", labels["google-vertex-llm-tuning-job-id"]
        ? h("a", { href: `#/jobs/${encodeURIComponent(labels["google-vertex-llm-tuning-job-id"])}` }, labels["google-vertex-llm-tuning-job-id"]) : null],
    ]),
    h("p", {},
      h("a", { href: `#/create?model=${encodeURIComponent(id)}&version=${encodeURIComponent(model.versionId)}` }, "Tune a pre-tuned model from this version"), " · ",
      h("a", { href: `#/lineage/${encodeURIComponent(id)}` }, "Lineage"),
      endpoint ? [" · ", h("a", { href: `#/test?endpoint=${encodeURIComponent(endpoint)}` }, "Test")] : null),
    status,
    h("h2", {}, "Checkpoints"),
    checkpoints.length
      ? table(null, ["Checkpoint", "Epoch", "Step", ""], checkpointRows)
      : h("p", { class: "hint" }, "This version has no checkpoints."),
    h("h2", {}, "Aliases"),
    table(null, ["Alias", ""], aliasRows),
    aliasForm,
    h("p", { class: "hint" }, "An alias another version holds moves to this version."),
    h("h2", {}, "Labels"),
    Object.keys(labels).length
      ? table(null, ["Key", "Value"], Object.entries(labels).map(([k, v]) => [h("code", {}, k), h("code", {}, v)]))
      : h("p", { class: "hint" }, "No labels."),
    labelForm);
}
