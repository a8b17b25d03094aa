// Test: a prompt box that calls generateContent on a tuned model's endpoint (the default
// checkpoint's) or on a checkpoint's own endpoint, and shows the answer.

import * as api from "./api.js";
import { h, on, replace, field, refusal } from "./dom.js";

function option(value, text, selected) {
  return h("option", { value, selected: selected || false }, text);
}

/** Every endpoint a tuned version serves: the version's (default checkpoint) and each checkpoint's. */
async function endpoints() {
  const choices = [];
  const served = await api.checkpointsByEndpoint();
  for (const model of await api.listModels()) {
    const { id } = api.modelRefParts(model.name);
    for (const v of await api.listVersions(id)) {
      const deployed = (v.deployedModels || []).map((d) => ({ ...d, checkpointId: served.get(d.endpoint) }));
      const main = deployed.find((d) => d.checkpointId === v.defaultCheckpointId) || deployed[0];
      const label = `${v.displayName || id} · version ${v.versionId}`;
      if (main) choices.push([main.endpoint, `${label} (tuned endpoint)`]);
      for (const d of deployed) {
        if (d.checkpointId) choices.push([d.endpoint, `${label} · checkpoint ${d.checkpointId}`]);
      }
    }
  }
  return choices;
}

/** `#/test[?endpoint=NAME]`. */
export async function testPage(main, ctx) {
  const choices = await endpoints();
  if (!ctx.current()) return;
  const wanted = ctx.query.get("endpoint") || "";
  if (wanted && !choices.some(([e]) => e === wanted)) choices.unshift([wanted, api.lastSegment(wanted)]);
  const select = h("select", { id: "endpoint" }, choices.map(([e, t]) => option(e, t, e === wanted)));
  const prompt = h("textarea", { id: "prompt", name: "prompt", rows: "4", required: true });
  const answer = h("div", { id: "answer-holder", "aria-live": "polite" });
  const send = h("button", { type: "submit", id: "send" }, "Send");
  const form = on(h("form", { class: "stack", "aria-labelledby": "test-title" },
    field("Endpoint", select, "the tuned endpoint serves the default checkpoint"),
    field("Prompt", prompt),
    h("div", {}, send)), "submit", async (event) => {
    event.preventDefault();
    replace(answer, h("p", { class: "loading" }, "Asking…"));
    send.disabled = true;
    try {
      const reply = await api.generateContent(select.value, {
        contents: [{ role: "user", parts: [{ text: prompt.value }] }],
      });
      const text = (reply.candidates || []).map((c) => (c.content?.parts || []).map((p) => p.text || "").join("")).join("\n\n");
      replace(answer, h("h2", {}, "Answer"), h("div", { class: "answer", id: "answer" }, text || "(empty answer)"),
        reply.modelVersion ? h("p", { class: "hint" }, "Served by ", h("code", {}, reply.modelVersion)) : null);
    } catch (err) {
      replace(answer, refusal(err.message, err.reasons || [String(err)]));
    } finally {
      send.disabled = false;
    }
  });
  replace(main, h("h1", { id: "test-title" }, "Test"),
    choices.length ? [form, answer] : h("p", {}, "No tuned endpoints yet. ", h("a", { href: "#/create" }, "Create tuned model"), "."));
}
