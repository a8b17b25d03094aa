// Create tuned model: "Tune a foundation model" or "Tune a pre-tuned model" (with the version
// picker and the Checkpoint drop-down), then Continue to the tuning form. Refusals are shown
// inline with every reason: the form's own checks first, then the server's.

import * as api from "./api.js";
import { h, on, replace, field, refusal } from "./dom.js";

const SAMPLE_TRAINING = "gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl";
const FOUNDATION_FALLBACK = ["gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite", "gemini-2.0-flash-001"];
const ADAPTER_SIZES = [
  ["", "Default"], ["ADAPTER_SIZE_ONE", "1"], ["ADAPTER_SIZE_TWO", "2"], ["ADAPTER_SIZE_FOUR", "4"],
  ["ADAPTER_SIZE_EIGHT", "8"], ["ADAPTER_SIZE_SIXTEEN", "16"], ["ADAPTER_SIZE_THIRTY_TWO", "32"],
];
const KMS_KEY = /^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/;

function option(value, text, selected) {
  return h("option", { value, selected: selected || false }, text);
}

function versionLabel(v) {
  const aliases = (v.versionAliases || []).join(", ");
  return aliases ? `Version ${v.versionId} (${aliases})` : `Version ${v.versionId}`;
}

function checkpointLabel(c, defaultId) {
  const text = `Checkpoint ${c.checkpointId}: epoch ${c.epoch ?? "?"}, step ${c.step ?? "?"}`;
  return c.checkpointId === defaultId ? `${text} (default)` : text;
}

/** The form's own checks, every reason at once (the server checks again). */
export function checkForm(values) {
  const reasons = [];
  if (!values.training) reasons.push("Training data set: a gs:// URI is required.");
  else if (!/^gs:\/\/[^/]+\/.+/.test(values.training) && !/^projects\/[^/]+\/locations\/[^/]+\/datasets\/[^/]+$/.test(values.training)) {
    reasons.push(`Training data set: "${values.training}" is not a gs://bucket/object URI.`);
  }
  if (values.validation && !/^gs:\/\/[^/]+\/.+/.test(values.validation)) {
    reasons.push(`Validation data set: "${values.validation}" is not a gs://bucket/object URI.`);
  }
  if (values.epochs !== "" && !(/^\d+$/.test(values.epochs) && Number(values.epochs) > 0)) {
    reasons.push(`Epochs: "${values.epochs}" is not a whole number above 0.`);
  }
  if (values.lrm !== "" && !(Number(values.lrm) > 0)) {
    reasons.push(`Learning-rate multiplier: "${values.lrm}" is not a number above 0.`);
  }
  if (values.displayName.length > 128) reasons.push("Display name: at most 128 characters.");
  if (values.kms && !KMS_KEY.test(values.kms)) {
    reasons.push(`KMS key: "${values.kms}" is not projects/*/locations/*/keyRings/*/cryptoKeys/*.`);
  }
  if (values.serviceAccount && !values.serviceAccount.includes("@")) {
    reasons.push(`Service account: "${values.serviceAccount}" is not an email address.`);
  }
  return reasons;
}

/** The tuning job body from the form's values and the chosen starting point. */
function jobBody(start, values) {
  const hyperParameters = {};
  if (values.epochs !== "") hyperParameters.epochCount = values.epochs;
  if (values.adapter) hyperParameters.adapterSize = values.adapter;
  if (values.lrm !== "") hyperParameters.learningRateMultiplier = Number(values.lrm);
  const spec = { trainingDatasetUri: values.training };
  if (values.validation) spec.validationDatasetUri = values.validation;
  if (Object.keys(hyperParameters).length) spec.hyperParameters = hyperParameters;
  const body = { supervisedTuningSpec: spec };
  if (start.kind === "foundation") body.baseModel = start.baseModel;
  else {
    body.preTunedModel = { tunedModelName: start.tunedModelName };
    if (start.checkpointId) body.preTunedModel.checkpointId = start.checkpointId;
  }
  if (values.displayName) body.tunedModelDisplayName = values.displayName;
  if (values.kms) body.encryptionSpec = { kmsKeyName: values.kms };
  if (values.serviceAccount) body.serviceAccount = values.serviceAccount;
  return body;
}

/** `#/create[?model=ID&version=V]`. */
export async function createPage(main, ctx) {
  const models = await api.listModels().catch(() => []);
  let foundations = FOUNDATION_FALLBACK;
  try {
    const listed = await api.listFoundationModels();
    if (listed.length) foundations = listed.map((m) => api.lastSegment(m.name));
  } catch {
    // Not every API version lists publisher models; the fallback list stands.
  }
  if (!ctx.current()) return;
  const wantModel = ctx.query.get("model") || "";
  const wantVersion = ctx.query.get("version") || "";

  const foundationRadio = h("input", { type: "radio", name: "source", value: "foundation", id: "source-foundation", checked: !wantModel });
  const pretunedRadio = h("input", { type: "radio", name: "source", value: "pretuned", id: "source-pretuned", checked: !!wantModel });
  const baseInput = h("input", { id: "base-model", list: "foundation-models", value: foundations[0] || "", autocomplete: "off" });
  const baseList = h("datalist", { id: "foundation-models" }, foundations.map((f) => option(f, f)));
  const modelSelect = h("select", { id: "pretuned-model" },
    option("", models.length ? "Choose a tuned model" : "No tuned models"),
    models.map((m) => {
      const { id } = api.modelRefParts(m.name);
      return option(id, `${m.displayName || id} (${id})`, id === wantModel);
    }));
  const versionSelect = h("select", { id: "pretuned-version", disabled: true });
  const checkpointSelect = h("select", { id: "checkpoint" });
  const checkpointField = h("div", { id: "checkpoint-field", hidden: true },
    field("Checkpoint", checkpointSelect, "The default checkpoint is selected."));
  const foundationPart = h("div", { id: "foundation-part" }, field("Foundation model", baseInput), baseList);
  const pretunedPart = h("div", { id: "pretuned-part" },
    field("Pre-tuned model", modelSelect), field("Version", versionSelect), checkpointField);
  const detailsStatus = h("div");
  let versions = [];

  const showSource = () => {
    foundationPart.hidden = !foundationRadio.checked;
    pretunedPart.hidden = !pretunedRadio.checked;
  };
  const showCheckpoints = () => {
    const v = versions.find((x) => x.versionId === versionSelect.value);
    const checkpoints = (v && v.checkpoints) || [];
    replace(checkpointSelect, checkpoints.map((c) =>
      option(c.checkpointId, checkpointLabel(c, v.defaultCheckpointId), c.checkpointId === v.defaultCheckpointId)));
    checkpointField.hidden = checkpoints.length === 0;
  };
  const loadVersions = async (preferred) => {
    versions = [];
    replace(versionSelect);
    versionSelect.disabled = true;
    if (!modelSelect.value) { showCheckpoints(); return; }
    try {
      versions = await api.listVersions(modelSelect.value);
    } catch (err) {
      replace(detailsStatus, refusal(err.message, err.reasons));
    }
    const fallback = versions.find((v) => (v.versionAliases || []).includes("default"))?.versionId;
    replace(versionSelect, versions.map((v) => option(v.versionId, versionLabel(v), v.versionId === (preferred || fallback))));
    versionSelect.disabled = versions.length === 0;
    showCheckpoints();
  };
  on(foundationRadio, "change", showSource);
  on(pretunedRadio, "change", showSource);
  on(modelSelect, "change", () => loadVersions(""));
  on(versionSelect, "change", showCheckpoints);

  const formHolder = h("div", { id: "tuning-form-holder" });
  const continueButton = h("button", { type: "submit", id: "continue" }, "Continue");
  const details = h("form", { class: "stack", id: "model-details", "aria-labelledby": "details-title" },
    h("h2", { id: "details-title" }, "Model details"),
    h("fieldset", {},
      h("legend", {}, "Tuning method"),
      h("label", { class: "choice" }, foundationRadio, "Tune a foundation model"),
      h("label", { class: "choice" }, pretunedRadio, "Tune a pre-tuned model")),
    foundationPart, pretunedPart, detailsStatus,
    h("div", {}, continueButton));
  on(details, "submit", (event) => {
    event.preventDefault();
    replace(detailsStatus);
    let start;
    if (foundationRadio.checked) {
      const base = baseInput.value.trim();
      if (!base) { replace(detailsStatus, refusal("Cannot continue", ["Choose a foundation model."])); return; }
      start = { kind: "foundation", baseModel: base, summary: base };
    } else {
      const reasons = [];
      if (!modelSelect.value) reasons.push("Choose a pre-tuned model.");
      else if (!versionSelect.value) reasons.push("Choose a version of the pre-tuned model.");
      if (reasons.length) { replace(detailsStatus, refusal("Cannot continue", reasons)); return; }
      const checkpointId = checkpointField.hidden ? "" : checkpointSelect.value;
      const tunedModelName = `${api.parent()}/models/${modelSelect.value}@${versionSelect.value}`;
      start = {
        kind: "pretuned", tunedModelName, checkpointId,
        summary: checkpointId ? `${tunedModelName}, checkpoint ${checkpointId}` : tunedModelName,
      };
    }
    replace(formHolder, tuningForm(start));
    formHolder.querySelector("input")?.focus();
  });

  replace(main, h("h1", {}, "Create tuned model"), details, formHolder);
  showSource();
  if (wantModel) await loadVersions(wantVersion);
}

function tuningForm(start) {
  const input = (id, attrs) => h("input", { id, name: id, autocomplete: "off", spellcheck: "false", ...attrs });
  const training = input("training-uri", { value: SAMPLE_TRAINING, required: true });
  const validation = input("validation-uri");
  const epochs = input("epochs", { inputmode: "numeric" });
  const adapter = h("select", { id: "adapter-size" }, ADAPTER_SIZES.map(([v, t]) => option(v, t)));
  const lrm = input("lr-multiplier", { inputmode: "decimal" });
  const displayName = input("display-name");
  const kms = input("kms-key");
  const serviceAccount = input("service-account");
  const status = h("div", { id: "tuning-status" });
  const submit = h("button", { type: "submit", id: "start-tuning" }, "Start tuning");
  const form = h("form", { class: "stack", id: "tuning-form", "aria-labelledby": "tuning-title", novalidate: true },
    h("h2", { id: "tuning-title" }, "Tuning"),
    h("p", {}, "Starting from ", h("code", { id: "start-point" }, start.summary)),
    field("Training data set", training, "gs:// URI of a JSONL file"),
    field("Validation data set", validation, "optional"),
    field("Epochs", epochs, "optional; a whole number"),
    field("Adapter size", adapter),
    field("Learning-rate multiplier", lrm, "optional; default 1.0"),
    field("Tuned model display name", displayName, start.kind === "pretuned"
      ? "Leave empty to add a new version under the same model. A new display name makes a new model."
      : "optional"),
    field("KMS key", kms, start.kind === "pretuned"
      ? "Continuous tuning must use the same key as the job that made the pre-tuned model."
      : "optional: projects/*/locations/*/keyRings/*/cryptoKeys/*"),
    field("Service account", serviceAccount, "optional"),
    status,
    h("div", {}, submit));
  on(form, "submit", async (event) => {
    event.preventDefault();
    replace(status);
    const values = {
      training: training.value.trim(), validation: validation.value.trim(), epochs: epochs.value.trim(),
      adapter: adapter.value, lrm: lrm.value.trim(), displayName: displayName.value.trim(),
      kms: kms.value.trim(), serviceAccount: serviceAccount.value.trim(),
    };
    const reasons = checkForm(values);
    if (reasons.length) {
      replace(status, refusal("The form has problems", reasons));
      return;
    }
    submit.disabled = true;
    try {
      const job = await api.createJob(jobBody(start, values));
      location.hash = `#/jobs/${encodeURIComponent(api.lastSegment(job.name))}`;
    } catch (err) {
      replace(status, refusal(err.message ? "Refused by the API" : "The call failed", err.reasons || [String(err)]));
      submit.disabled = false;
    }
  });
  return form;
}
