// Tuning jobs: the list with states, and a job's page (progress, live while the job runs; its
// data-set statistics; its checkpoints; the model version it made).

import * as api from "./api.js";
import { h, on, replace, table, facts, refusal } from "./dom.js";

const RUNNING = new Set(["JOB_STATE_QUEUED", "JOB_STATE_PENDING", "JOB_STATE_RUNNING", "JOB_STATE_CANCELLING"]);
const POLL_MS = 1000;

function state(job) {
  const s = job.state || "JOB_STATE_UNSPECIFIED";
  return h("span", { class: `state state-${s}`, "data-state": s }, s.replace("JOB_STATE_", "").toLowerCase());
}

function origin(job) {
  if (job.preTunedModel) {
    const p = job.preTunedModel;
    return h("span", {}, "continued from ", h("code", {}, api.lastSegment(p.tunedModelName)),
      p.checkpointId ? ` checkpoint ${p.checkpointId}` : " (default checkpoint)");
  }
  return h("code", {}, job.baseModel || "");
}

function versionLink(modelRef, elementId) {
  const { id, version } = api.modelRefParts(modelRef);
  return h("a", { href: `#/models/${encodeURIComponent(id)}/versions/${encodeURIComponent(version)}`, id: elementId },
    `Model ${id}, version ${version}`);
}

/** `#/jobs`. */
export async function jobsPage(main, ctx) {
  const jobs = await api.listJobs();
  if (!ctx.current()) return;
  jobs.sort((a, b) => String(b.createTime).localeCompare(String(a.createTime)));
  replace(main,
    h("h1", {}, "Tuning jobs"),
    jobs.length === 0
      ? h("p", {}, "No tuning jobs yet. ", h("a", { href: "#/create" }, "Create tuned model"), ".")
      : table(null, ["Job", "Display name", "Starting point", "State", "Created", "Model version"], jobs.map((job) => {
        const id = api.lastSegment(job.name);
        return [
          h("a", { href: `#/jobs/${encodeURIComponent(id)}` }, id),
          job.tunedModelDisplayName || "",
          origin(job),
          state(job),
          job.createTime || "",
          job.tunedModel?.model ? versionLink(job.tunedModel.model) : "",
        ];
      })));
}

function distribution(name, d) {
  if (!d) return null;
  const n = (x) => (x === undefined ? "" : Number(x).toFixed(1));
  return [name, String(d.sum ?? ""), n(d.min), n(d.mean), n(d.median), n(d.p95), n(d.max)];
}

function statistics(job) {
  const s = job.tuningDataStats?.supervisedTuningDataStats;
  if (!s) return h("p", { class: "hint" }, "Statistics appear once the data set is read.");
  return [
    facts([
      ["Examples", s.tuningDatasetExampleCount],
      ["Characters", s.totalTuningCharacterCount],
      ["Billable tokens", s.totalBillableTokenCount],
      ["Steps", s.tuningStepCount],
      ["Truncated examples", s.totalTruncatedExampleCount],
    ]),
    table(null, ["Distribution", "Sum", "Min", "Mean", "Median", "p95", "Max"], [
      distribution("Input tokens", s.userInputTokenDistribution),
      distribution("Output tokens", s.userOutputTokenDistribution),
      distribution("Messages per example", s.userMessagePerExampleDistribution),
    ].filter(Boolean)),
  ];
}

/** Where a running job is, as a fraction: from its checkpoints so far over the epochs asked. */
function progress(job) {
  if (job.state === "JOB_STATE_SUCCEEDED") return 1;
  const epochs = Number(job.supervisedTuningSpec?.hyperParameters?.epochCount || 0);
  const done = (job.tunedModel?.checkpoints || []).length;
  return epochs > 0 ? Math.min(done / epochs, 1) : null;
}

/** `#/jobs/{id}`: polls while the job runs and this page is shown. */
export async function jobPage(main, ctx, id) {
  const job = await api.getJob(id);
  if (!ctx.current()) return;
  const running = RUNNING.has(job.state);
  const fraction = progress(job);
  const checkpoints = job.tunedModel?.checkpoints || [];
  const cancel = running
    ? on(h("button", { type: "button", class: "secondary" }, "Cancel job"), "click", async () => {
      try { await api.cancelJob(id); } catch (err) { main.prepend(refusal(err.message, err.reasons)); }
    })
    : null;
  replace(main,
    h("div", { class: "crumbs" }, h("a", { href: "#/jobs" }, "Tuning jobs"), "›"),
    h("h1", {}, job.tunedModelDisplayName ? `Tuning job ${id}: ${job.tunedModelDisplayName}` : `Tuning job ${id}`),
    facts([
      ["State", h("span", { id: "job-state" }, state(job), running ? h("span", { class: "live" }, " · live") : null)],
      ["Progress", running
        ? (fraction === null ? h("progress", { "aria-label": "Progress" })
          : h("progress", { max: "1", value: String(fraction), "aria-label": "Progress" }))
        : null],
      ["Starting point", origin(job)],
      ["Display name", job.tunedModelDisplayName],
      ["Created", job.createTime],
      ["Started", job.startTime],
      ["Ended", job.endTime],
      ["KMS key", job.encryptionSpec?.kmsKeyName],
      ["Service account", job.serviceAccount],
      ["Model version made", job.tunedModel?.model ? versionLink(job.tunedModel.model, "made-version") : null],
      ["Endpoint", job.tunedModel?.endpoint
        ? h("a", { href: `#/test?endpoint=${encodeURIComponent(job.tunedModel.endpoint)}` }, api.lastSegment(job.tunedModel.endpoint))
        : null],
    ]),
    job.error ? refusal("The job failed", api.reasonsOf(job.error)) : null,
    cancel,
    h("h2", {}, "Data set statistics"),
    statistics(job),
    h("h2", {}, "Checkpoints"),
    checkpoints.length
      ? table(null, ["Checkpoint", "Epoch", "Step", "Endpoint"], checkpoints.map((c) => [
        c.checkpointId, String(c.epoch ?? ""), String(c.step ?? ""),
        c.endpoint ? h("a", { href: `#/test?endpoint=${encodeURIComponent(c.endpoint)}` }, `Test ${api.lastSegment(c.endpoint)}`) : "",
      ]))
      : h("p", { class: "hint" }, running ? "No checkpoint yet." : "No intermediate checkpoints."));
  if (running) {
    setTimeout(() => {
      if (ctx.current()) jobPage(main, ctx, id).catch(() => {});
    }, POLL_MS);
  }
}
