// The public Vertex AI REST API, as the console calls it: the same paths and bodies as the
// client library, relative to this page's origin (the emulator, or `retune console` forwarding).

let where = { project: "", location: "" };

/** Sets the project and location that every call is made in. */
export function setWhere(project, location) {
  where = { project, location };
}

/** The current project and location. */
export function getWhere() {
  return { ...where };
}

/** `projects/{p}/locations/{l}`. */
export function parent() {
  return `projects/${encodeURIComponent(where.project)}/locations/${encodeURIComponent(where.location)}`;
}

/** A refused or failed call: Google's error envelope, with every reason it gives. */
export class ApiError extends Error {
  constructor(httpStatus, status, message, reasons) {
    super(message);
    this.httpStatus = httpStatus;
    this.status = status;
    this.reasons = reasons;
  }
}

/** Every reason in a `google.rpc.Status`: field violations, precondition violations, the message. */
export function reasonsOf(error) {
  const reasons = [];
  for (const detail of error.details || []) {
    for (const v of detail.fieldViolations || []) {
      reasons.push(v.field ? `${v.field}: ${v.description}` : String(v.description));
    }
    for (const v of detail.violations || []) {
      reasons.push(String(v.description || v.type || ""));
    }
  }
  if (reasons.length === 0 && error.message) reasons.push(String(error.message));
  return reasons;
}

async function call(method, path, body) {
  // The marker header makes a cross-site page's request a CORS preflight, which `retune console`
  // never approves: only these pages can have it forward a call with the user's credentials.
  const init = { method, headers: { Accept: "application/json", "X-Retune-Console": "1" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json; charset=utf-8";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`/v1/${path}`, init);
  } catch (err) {
    throw new ApiError(0, "UNAVAILABLE", `The API could not be reached: ${err.message}`, [String(err.message)]);
  }
  const text = await response.text();
  let value = {};
  try {
    value = text ? JSON.parse(text) : {};
  } catch {
    value = { error: { message: text.slice(0, 500) } };
  }
  if (!response.ok) {
    const error = value.error || { message: `HTTP ${response.status}` };
    throw new ApiError(response.status, error.status || "", error.message || `HTTP ${response.status}`, reasonsOf(error));
  }
  return value;
}

/** Every page of a list call, concatenated (at most `limit` items). */
async function listAll(path, key, limit = 1000) {
  const items = [];
  let token = "";
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await call("GET", token ? `${path}${sep}pageToken=${encodeURIComponent(token)}` : path);
    items.push(...(page[key] || []));
    token = page.nextPageToken || "";
  } while (token && items.length < limit);
  return items;
}

/** The last segment of a resource name (`…/models/123@2` gives `123@2`). */
export function lastSegment(name) {
  return String(name || "").split("/").pop();
}

/** Splits `…/models/{id}@{version}` into `{id, version}`. */
export function modelRefParts(name) {
  const [id, version] = lastSegment(name).split("@");
  return { id, version: version || "" };
}

export const listModels = () => listAll(`${parent()}/models`, "models");
export const getModel = (id, version) =>
  call("GET", `${parent()}/models/${encodeURIComponent(id)}${version ? "@" + encodeURIComponent(version) : ""}`);
export const getModelByName = (name) => call("GET", name);
export const listVersions = (id) => listAll(`${parent()}/models/${encodeURIComponent(id)}:listVersions`, "models");
export const mergeVersionAliases = (id, version, versionAliases) =>
  call("POST", `${parent()}/models/${encodeURIComponent(id)}@${encodeURIComponent(version)}:mergeVersionAliases`, { versionAliases });
export const updateVersion = (id, version, fields, mask) =>
  call("PATCH", `${parent()}/models/${encodeURIComponent(id)}@${encodeURIComponent(version)}?updateMask=${encodeURIComponent(mask)}`, fields);
export const listJobs = () => listAll(`${parent()}/tuningJobs`, "tuningJobs");
export const getJob = (id) => call("GET", `${parent()}/tuningJobs/${encodeURIComponent(id)}`);
export const getJobByName = (name) => call("GET", name);
export const createJob = (body) => call("POST", `${parent()}/tuningJobs`, body);
export const cancelJob = (id) => call("POST", `${parent()}/tuningJobs/${encodeURIComponent(id)}:cancel`, {});
export const generateContent = (endpointName, body) => call("POST", `${endpointName}:generateContent`, body);
export const listEndpoints = () => listAll(`${parent()}/endpoints`, "endpoints");

/**
 * The checkpoint each endpoint serves, by endpoint name. A Model's `deployedModels` name only the
 * endpoints (DeployedModelRef); the Endpoint's own `deployedModels[].checkpointId` says which
 * checkpoint is deployed there.
 */
export async function checkpointsByEndpoint() {
  const served = new Map();
  for (const endpoint of await listEndpoints()) {
    const checkpoint = (endpoint.deployedModels || []).find((d) => d.checkpointId)?.checkpointId;
    if (checkpoint) served.set(endpoint.name, checkpoint);
  }
  return served;
}
export async function listFoundationModels() {
  return listAll("publishers/google/models", "publisherModels", 200);
}
