/**
 * A typed client for the jupyter-mlops REST API (`<base_url>mlops/api/v1/`).
 *
 * The request and response shapes come from `api-types.ts`, generated from the server's
 * `openapi.json` by `jlpm build:api`, so the Python and TypeScript sides cannot drift.
 * Requests go through `ServerConnection.makeRequest`, which adds the token and XSRF header.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type { components, operations } from './api-types';

type Schemas = components['schemas'];
export type Health = Schemas['HealthResponse'];
export type Experiment = Schemas['Experiment'];
export type RunSummary = Schemas['RunSummary'];
export type RunDetail = Schemas['RunDetail'];
export type RunStatus = RunSummary['status'];
export type MetricValue = Schemas['MetricValue'];
export type MetricPoint = Schemas['MetricPoint'];
export type ListRunsResponse = Schemas['ListRunsResponse'];
export type MetricHistoryResponse = Schemas['MetricHistoryResponse'];
export type CompareRunsResponse = Schemas['CompareRunsResponse'];
export type DatasetSummary = Schemas['DatasetSummary'];
export type DatasetVersion = Schemas['DatasetVersion'];
export type ColumnProfile = Schemas['ColumnProfile'];
export type ColumnShift = Schemas['ColumnShift'];
export type DatasetDiff = Schemas['DatasetDiff'];
export type LineageResponse = Schemas['LineageResponse'];
export type ModelSummary = Schemas['ModelSummary'];
export type ModelVersion = Schemas['ModelVersion'];
export type AliasChange = Schemas['AliasChange'];
export type AliasHistoryResponse = Schemas['AliasHistoryResponse'];
export type ModelEvaluation = Schemas['ModelEvaluation'];
export type PromotionDecision = Schemas['PromotionDecision'];
export type PromotionCheck = Schemas['PromotionCheck'];
export type DriftReportSummary = Schemas['DriftReportSummary'];
export type DriftReportDetail = Schemas['DriftReportDetail'];
export type DriftColumn = Schemas['DriftColumn'];
export type DriftDistribution = Schemas['DriftDistribution'];
export type SchedulerStatus = Schemas['SchedulerStatus'];
export type PipelineSchedule = Schemas['PipelineSchedule'];
export type PipelineRunStatus = Schemas['PipelineRunStatus'];
export type PipelineRunSummary = Schemas['PipelineRunSummary'];
export type PipelineRunDetail = Schemas['PipelineRunDetail'];
export type PipelineCell = Schemas['PipelineCell'];
export type RunScheduleResponse = Schemas['RunScheduleResponse'];
export type ExecutedNotebook = Schemas['ExecutedNotebook'];
export type ModelServer = Schemas['ModelServer'];
export type TrafficMode = Schemas['TrafficMode'];
export type TrafficSplit = Schemas['TrafficSplit'];
export type TrafficShift = Schemas['TrafficShift'];
export type ServingVersionStats = Schemas['ServingVersionStats'];
export type ChangeTrafficRequest = Schemas['ChangeTrafficRequest'];
export type ChangeTrafficResponse = Schemas['ChangeTrafficResponse'];

/** The JSON body an operation answers with on success. */
type Ok<Op extends keyof operations> = operations[Op]['responses'][200]['content']['application/json'];
/** The query parameters an operation takes. */
export type ListRunsQuery = NonNullable<operations['listRuns']['parameters']['query']>;
export type ListPipelineRunsQuery = NonNullable<operations['listPipelineRuns']['parameters']['query']>;
export type ListServersQuery = NonNullable<operations['listServers']['parameters']['query']>;

/** Where the API lives, relative to the server's base URL. */
export const API_PATH = 'mlops/api/v1';

/** The server answered with an error: `status` is the HTTP status (0 for a network failure). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly error: string = ''
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The Jupyter server answered, but the jupyter-mlops server extension is not loaded in it. */
export class ServerExtensionMissing extends Error {
  constructor(readonly detail: string = '') {
    super(
      'The jupyter-mlops server extension is not enabled in this Jupyter server. ' +
        'Run `jupyter server extension enable jupyter_mlops` and restart JupyterLab.'
    );
    this.name = 'ServerExtensionMissing';
  }
}

let defaultSettings: ServerConnection.ISettings | null = null;

function settingsOrDefault(settings?: ServerConnection.ISettings): ServerConnection.ISettings {
  if (settings) {
    return settings;
  }
  if (!defaultSettings) {
    defaultSettings = ServerConnection.makeSettings();
  }
  return defaultSettings;
}

/** A query string from a record; arrays repeat their key (`run=a&run=b`), empty values are left out. */
export function queryString(query: Record<string, string | number | boolean | string[] | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') {
      continue;
    }
    if (Array.isArray(value)) {
      value.forEach(item => params.append(key, item));
    } else {
      params.append(key, String(value));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** One call to the API: JSON in, JSON out, errors as ApiError or ServerExtensionMissing. */
async function request<T>(
  path: string,
  query: string,
  init: RequestInit = {},
  settings?: ServerConnection.ISettings,
  isHealth = false
): Promise<T> {
  const conn = settingsOrDefault(settings);
  const url = URLExt.join(conn.baseUrl, API_PATH, path) + query;
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, conn);
  } catch (reason) {
    throw new ApiError(0, `Cannot reach the Jupyter server: ${String(reason)}`, 'NetworkError');
  }
  const text = await response.text();
  let body: unknown = undefined;
  let isJson = false;
  try {
    body = text ? JSON.parse(text) : undefined;
    isJson = true;
  } catch {
    isJson = false;
  }
  const isObject = typeof body === 'object' && body !== null;
  if (!response.ok) {
    // Jupyter's own 404 page (HTML) means no handler answers under mlops/api/v1/.
    if (response.status === 404 && (isHealth || !isObject)) {
      throw new ServerExtensionMissing(`${response.status} ${response.statusText}`);
    }
    const error = isObject ? (body as Partial<Schemas['ErrorResponse']>) : {};
    const message = error.message || `${response.status} ${response.statusText || 'error'}`;
    throw new ApiError(response.status, message, error.error || '');
  }
  if (!isJson || !isObject) {
    throw new ServerExtensionMissing('the answer was not JSON');
  }
  return body as T;
}

const seg = encodeURIComponent;

/** GET /health: store path, schema version, scheduler heartbeat. */
export function getHealth(settings?: ServerConnection.ISettings): Promise<Ok<'getHealth'>> {
  return request('health', '', {}, settings, true);
}

/** GET /experiments: every experiment with its run count. */
export function listExperiments(settings?: ServerConnection.ISettings): Promise<Ok<'listExperiments'>> {
  return request('experiments', '', {}, settings);
}

/** GET /runs: one page of runs, filtered, sorted and paged on the server. */
export function listRuns(query: ListRunsQuery = {}, settings?: ServerConnection.ISettings): Promise<Ok<'listRuns'>> {
  return request('runs', queryString(query), {}, settings);
}

/** GET /runs/{run_id}: one run with params, metrics, tags, artifacts and environment. */
export function getRun(runId: string, settings?: ServerConnection.ISettings): Promise<Ok<'getRun'>> {
  return request(`runs/${seg(runId)}`, '', {}, settings);
}

/** POST /runs/{run_id}/delete: soft-delete a run. */
export function deleteRun(runId: string, settings?: ServerConnection.ISettings): Promise<Ok<'deleteRun'>> {
  return request(`runs/${seg(runId)}/delete`, '', { method: 'POST', body: '{}' }, settings);
}

/** POST /runs/{run_id}/restore: restore a soft-deleted run. */
export function restoreRun(runId: string, settings?: ServerConnection.ISettings): Promise<Ok<'restoreRun'>> {
  return request(`runs/${seg(runId)}/restore`, '', { method: 'POST', body: '{}' }, settings);
}

/** GET /runs/{run_id}/metrics/{key}: every logged value of one metric. */
export function getMetricHistory(
  runId: string,
  key: string,
  settings?: ServerConnection.ISettings
): Promise<Ok<'getMetricHistory'>> {
  return request(`runs/${seg(runId)}/metrics/${seg(key)}`, '', {}, settings);
}

/** GET /compare?run=a&run=b: several runs side by side with their metric curves. */
export function compareRuns(runIds: string[], settings?: ServerConnection.ISettings): Promise<Ok<'compareRuns'>> {
  return request('compare', queryString({ run: runIds }), {}, settings);
}

/** GET /datasets: every dataset with its latest version. */
export function listDatasets(settings?: ServerConnection.ISettings): Promise<Ok<'listDatasets'>> {
  return request('datasets', '', {}, settings);
}

/** GET /datasets/{name}/versions: every version of a dataset (without column profiles). */
export function listDatasetVersions(name: string, settings?: ServerConnection.ISettings): Promise<Ok<'listDatasetVersions'>> {
  return request(`datasets/${seg(name)}/versions`, '', {}, settings);
}

/** GET /datasets/{name}/versions/{version}: one version with its column profile (`version`: a number or "latest"). */
export function getDatasetVersion(
  name: string,
  version: number | string,
  settings?: ServerConnection.ISettings
): Promise<Ok<'getDatasetVersion'>> {
  return request(`datasets/${seg(name)}/versions/${seg(String(version))}`, '', {}, settings);
}

/** GET /datasets/diff?before=churn@1&after=churn@2: schema changes, row delta and profile shifts. */
export function diffDatasets(before: string, after: string, settings?: ServerConnection.ISettings): Promise<Ok<'diffDatasets'>> {
  return request('datasets/diff', queryString({ before, after }), {}, settings);
}

/** GET /lineage?ref=churn@2 (or a run): the runs that produced and read it. */
export function getLineage(ref: string, settings?: ServerConnection.ISettings): Promise<Ok<'getLineage'>> {
  return request('lineage', queryString({ ref }), {}, settings);
}

/** GET /models: registered models with their latest version and aliases. */
export function listModels(settings?: ServerConnection.ISettings): Promise<Ok<'listModels'>> {
  return request('models', '', {}, settings);
}

/** GET /models/{name}/versions: every version of a model (deleted ones too with `includeDeleted`). */
export function listModelVersions(
  name: string,
  includeDeleted = true,
  settings?: ServerConnection.ISettings
): Promise<Ok<'listModelVersions'>> {
  return request(`models/${seg(name)}/versions`, queryString({ include_deleted: includeDeleted }), {}, settings);
}

/** GET /models/{name}/history: where each alias points and every alias move, oldest first. */
export function getModelAliasHistory(name: string, settings?: ServerConnection.ISettings): Promise<Ok<'getModelAliasHistory'>> {
  return request(`models/${seg(name)}/history`, '', {}, settings);
}

/** GET /models/{name}/evaluations: stored evaluations and promotion decisions, newest first. */
export function listModelEvaluations(name: string, settings?: ServerConnection.ISettings): Promise<Ok<'listModelEvaluations'>> {
  return request(`models/${seg(name)}/evaluations`, '', {}, settings);
}

/** POST /models/{name}/aliases/{alias}: point an alias at a version (promote), with a reason. */
export function setModelAlias(
  name: string,
  alias: string,
  body: Schemas['SetAliasRequest'],
  settings?: ServerConnection.ISettings
): Promise<Ok<'setModelAlias'>> {
  return request(
    `models/${seg(name)}/aliases/${seg(alias)}`,
    '',
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

/** POST /models/{name}/aliases/{alias}/rollback: return an alias to its previous version. */
export function rollbackModelAlias(
  name: string,
  alias: string,
  body: Schemas['RollbackAliasRequest'] = {},
  settings?: ServerConnection.ISettings
): Promise<Ok<'rollbackModelAlias'>> {
  return request(
    `models/${seg(name)}/aliases/${seg(alias)}/rollback`,
    '',
    { method: 'POST', body: JSON.stringify(body) },
    settings
  );
}

/** GET /drift/datasets: the latest drift report per dataset. */
export function listDriftDatasets(settings?: ServerConnection.ISettings): Promise<Ok<'listDriftDatasets'>> {
  return request('drift/datasets', '', {}, settings);
}

/** GET /drift/history?dataset=churn: drift reports oldest first (the drift share over time). */
export function getDriftHistory(
  dataset: string | null,
  limit?: number,
  settings?: ServerConnection.ISettings
): Promise<Ok<'getDriftHistory'>> {
  return request('drift/history', queryString({ dataset, limit }), {}, settings);
}

/** GET /drift/reports/{report_id}: one report with per-column status and distributions. */
export function getDriftReport(reportId: string, settings?: ServerConnection.ISettings): Promise<Ok<'getDriftReport'>> {
  return request(`drift/reports/${seg(reportId)}`, '', {}, settings);
}

/** GET /pipelines/scheduler: the scheduler daemon's heartbeat, or how to start it. */
export function getSchedulerStatus(settings?: ServerConnection.ISettings): Promise<Ok<'getSchedulerStatus'>> {
  return request('pipelines/scheduler', '', {}, settings);
}

/** GET /pipelines/schedules: every schedule with its triggers, next run and last run. */
export function listSchedules(settings?: ServerConnection.ISettings): Promise<Ok<'listSchedules'>> {
  return request('pipelines/schedules', '', {}, settings);
}

/** POST /pipelines/schedules/{name}/pause or /resume: stop or restart a schedule's firing. */
export function setScheduleEnabled(
  name: string,
  enabled: boolean,
  settings?: ServerConnection.ISettings
): Promise<Ok<'pauseSchedule'>> {
  const action = enabled ? 'resume' : 'pause';
  return request(`pipelines/schedules/${seg(name)}/${action}`, '', { method: 'POST', body: '{}' }, settings);
}

/** POST /pipelines/schedules/{name}/run: queue a run for the scheduler (it says whether one is alive). */
export function runSchedule(
  name: string,
  body: Schemas['RunScheduleRequest'] = {},
  settings?: ServerConnection.ISettings
): Promise<Ok<'runSchedule'>> {
  return request(`pipelines/schedules/${seg(name)}/run`, '', { method: 'POST', body: JSON.stringify(body) }, settings);
}

/** GET /pipelines/runs?schedule=&status=&limit=: pipeline runs, newest first. */
export function listPipelineRuns(
  query: ListPipelineRunsQuery = {},
  settings?: ServerConnection.ISettings
): Promise<Ok<'listPipelineRuns'>> {
  return request('pipelines/runs', queryString(query), {}, settings);
}

/** GET /pipelines/runs/{id}: one pipeline run with its executed notebook's cells. */
export function getPipelineRun(runId: string, settings?: ServerConnection.ISettings): Promise<Ok<'getPipelineRun'>> {
  return request(`pipelines/runs/${seg(runId)}`, '', {}, settings);
}

/** GET /pipelines/runs/{id}/notebook: the executed notebook as nbformat JSON. */
export function getPipelineNotebook(runId: string, settings?: ServerConnection.ISettings): Promise<Ok<'getPipelineNotebook'>> {
  return request(`pipelines/runs/${seg(runId)}/notebook`, '', {}, settings);
}

/** GET /servers?model=&include_stopped=: the model servers running on this store, newest first. */
export function listServers(query: ListServersQuery = {}, settings?: ServerConnection.ISettings): Promise<Ok<'listServers'>> {
  return request('servers', queryString(query), {}, settings);
}

/** POST /servers/{server_id}/traffic: shift a running server's traffic (mode, canary share, blue-green side). */
export function changeServerTraffic(
  serverId: string,
  body: ChangeTrafficRequest,
  settings?: ServerConnection.ISettings
): Promise<Ok<'changeServerTraffic'>> {
  return request(`servers/${seg(serverId)}/traffic`, '', { method: 'POST', body: JSON.stringify(body) }, settings);
}
