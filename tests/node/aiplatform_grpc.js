// Drives mock-vertex with @google-cloud/aiplatform for Node.js over its default gRPC transport
// (GenAiTuningServiceClient and ModelServiceClient, under v1beta1 and v1), on the emulator's one
// port, with a plain-text channel (`sslCreds: grpc.credentials.createInsecure()`), the way a user
// points the clients at a local server.
//
// Needs RETUNE_EMULATOR_URL (e.g. http://127.0.0.1:8080) of an emulator started with
// `--jobs instant`, and NODE_PATH naming the node_modules that scripts/node-env.sh installs.
// Prints one `ok`/`FAIL` line per check, then `N passed, M failed`; exits 1 if a check failed.
'use strict';

const aiplatform = require('@google-cloud/aiplatform');
const grpc = require('@grpc/grpc-js');

const LOCATION = 'us-central1';
const BASE_MODEL = 'gemini-2.5-flash';
const TRAINING_URI =
  'gs://cloud-samples-data/ai-platform/generative_ai/gemini/text/sft_train_data.jsonl';
const ENDED = new Set([
  'JOB_STATE_SUCCEEDED',
  'JOB_STATE_FAILED',
  'JOB_STATE_CANCELLED',
  'JOB_STATE_EXPIRED',
]);

function assert(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

function clientOptions(url) {
  const parsed = new URL(url);
  return {
    servicePath: parsed.hostname,
    apiEndpoint: parsed.hostname,
    port: Number(parsed.port),
    sslCreds: grpc.credentials.createInsecure(),
  };
}

async function expectCode(promise, code, what) {
  try {
    await promise;
  } catch (error) {
    assert(error.code === code, `${what}: expected gRPC code ${code}, got ${error.code}: ${error.message}`);
    return error;
  }
  throw new Error(`${what} succeeded`);
}

// The number the emulator answers `project`'s resource names with: Vertex AI names every
// resource `projects/{project number}/...`, whichever form the request used
// (google/cloud/aiplatform/v1/tuning_job.proto, `TuningJob.name`).
async function projectNumber(url, project) {
  const response = await fetch(`${url.replace(/\/$/, '')}/_emulator/projects/${project}`);
  assert(response.ok, `GET /_emulator/projects/${project}: ${response.status}`);
  return (await response.json()).projectNumber;
}

class Flow {
  constructor(api, url, project) {
    const options = clientOptions(url);
    this.tuning = new api.GenAiTuningServiceClient(options);
    this.models = new api.ModelServiceClient(options);
    this.parent = `projects/${project}/locations/${LOCATION}`;
    // Names come back with the project number (set by main before the checks run).
    this.answered = '';
    this.jobNames = [];
    this.tunedModel = '';
  }

  checks() {
    return [
      ['create_job_and_get_until_it_ends', () => this.createAndGet()],
      ['continue_from_a_checkpoint', () => this.continueFromCheckpoint()],
      ['list_tuning_jobs_across_pages', () => this.listAcrossPages()],
      ['list_model_versions_and_checkpoints', () => this.listVersionsAndCheckpoints()],
      ['merge_version_aliases', () => this.mergeAliases()],
      ['delete_a_version_and_poll_its_operation', () => this.deleteVersion()],
      ['cancel_a_finished_job_is_failed_precondition', () => this.cancelFinished()],
      ['get_a_missing_job_is_not_found', () => this.getMissing()],
    ];
  }

  async create(tuningJob) {
    const [created] = await this.tuning.createTuningJob({parent: this.parent, tuningJob});
    assert(created.name.startsWith(`${this.answered}/tuningJobs/`), created.name);
    assert(created.state === 'JOB_STATE_PENDING', `create answered ${created.state}`);
    this.jobNames.push(created.name);
    return created;
  }

  async succeeded(name) {
    for (let poll = 0; poll < 50; poll++) {
      const [job] = await this.tuning.getTuningJob({name});
      if (ENDED.has(job.state)) {
        assert(job.state === 'JOB_STATE_SUCCEEDED', `${name}: ${job.state}`);
        return job;
      }
    }
    throw new Error(`${name} did not end`);
  }

  spec(epochs) {
    return {trainingDatasetUri: TRAINING_URI, hyperParameters: {epochCount: epochs}};
  }

  async createAndGet() {
    const created = await this.create({baseModel: BASE_MODEL, supervisedTuningSpec: this.spec(2)});
    const job = await this.succeeded(created.name);
    assert(job.tunedModel.model.endsWith('@1'), job.tunedModel.model);
    const ids = job.tunedModel.checkpoints.map((c) => c.checkpointId);
    assert(JSON.stringify(ids) === '["1","2"]', `checkpoints ${ids}`);
    this.tunedModel = job.tunedModel.model;
    const [model] = await this.models.getModel({name: this.tunedModel});
    assert(model.versionId === '1' && model.versionAliases.includes('default'), JSON.stringify(model));
  }

  async continueFromCheckpoint() {
    const created = await this.create({
      preTunedModel: {tunedModelName: this.tunedModel, checkpointId: '1'},
      supervisedTuningSpec: this.spec(1),
    });
    const job = await this.succeeded(created.name);
    const base = this.tunedModel.split('@')[0];
    assert(job.tunedModel.model === `${base}@2`, job.tunedModel.model);
    assert(job.preTunedModel.checkpointId === '1', JSON.stringify(job.preTunedModel));
  }

  async listAcrossPages() {
    const [firstPage, nextRequest] = await this.tuning.listTuningJobs(
      {parent: this.parent, pageSize: 1},
      {autoPaginate: false},
    );
    assert(firstPage.length === 1 && nextRequest && nextRequest.pageToken, 'no second page');
    const [all] = await this.tuning.listTuningJobs({parent: this.parent, pageSize: 1});
    const names = all.map((job) => job.name).sort();
    assert(JSON.stringify(names) === JSON.stringify([...this.jobNames].sort()), `listed ${names}`);
  }

  async listVersionsAndCheckpoints() {
    const base = this.tunedModel.split('@')[0];
    const [versions] = await this.models.listModelVersions({name: base});
    const ids = versions.map((m) => m.versionId).sort();
    assert(JSON.stringify(ids) === '["1","2"]', `versions ${ids}`);
    const [checkpoints] = await this.models.listModelVersionCheckpoints({name: `${base}@1`});
    assert(checkpoints.map((c) => c.checkpointId).join() === '1,2', JSON.stringify(checkpoints));
  }

  async mergeAliases() {
    const base = this.tunedModel.split('@')[0];
    const [merged] = await this.models.mergeVersionAliases({
      name: `${base}@2`,
      versionAliases: ['golden'],
    });
    assert(merged.versionAliases.includes('golden'), JSON.stringify(merged.versionAliases));
    const [byAlias] = await this.models.getModel({name: `${base}@golden`});
    assert(byAlias.versionId === '2', byAlias.versionId);
  }

  async deleteVersion() {
    const base = this.tunedModel.split('@')[0];
    const [operation] = await this.models.deleteModelVersion({name: `${base}@2`});
    await operation.promise(); // polls google.longrunning.Operations/GetOperation
    assert(operation.done, 'the operation is not done');
    const [versions] = await this.models.listModelVersions({name: base});
    assert(versions.map((m) => m.versionId).join() === '1', 'version 2 is still listed');
  }

  async cancelFinished() {
    await expectCode(
      this.tuning.cancelTuningJob({name: this.jobNames[0]}),
      grpc.status.FAILED_PRECONDITION,
      'cancelling a finished job',
    );
  }

  async getMissing() {
    await expectCode(
      this.tuning.getTuningJob({name: `${this.parent}/tuningJobs/999999999999`}),
      grpc.status.NOT_FOUND,
      'getting a missing job',
    );
  }
}

async function main() {
  const url = process.env.RETUNE_EMULATOR_URL;
  if (!url) {
    console.error('RETUNE_EMULATOR_URL is not set');
    process.exit(2);
  }
  let passed = 0;
  const failed = [];
  for (const [label, api] of [['v1beta1', aiplatform.v1beta1], ['v1', aiplatform.v1]]) {
    const project = `node-${label}-${Math.random().toString(16).slice(2, 10)}`;
    const flow = new Flow(api, url, project);
    flow.answered = `projects/${await projectNumber(url, project)}/locations/${LOCATION}`;
    for (const [name, check] of flow.checks()) {
      try {
        await check();
        passed += 1;
        console.log(`ok   ${name} [${label}]`);
      } catch (error) {
        failed.push(`${name} [${label}]`);
        console.log(`FAIL ${name} [${label}]\n     ${String(error.stack || error).split('\n').join('\n     ')}`);
      }
    }
    await flow.tuning.close();
    await flow.models.close();
  }
  if (failed.length > 0) {
    console.log(`failed checks: ${failed.join(', ')}`);
  }
  console.log(`${passed} passed, ${failed.length} failed`);
  process.exit(failed.length > 0 ? 1 : 0);
}

main();
