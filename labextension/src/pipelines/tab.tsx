/**
 * The Pipelines tab: the scheduler's heartbeat, the schedules (next and last run, Run now / Pause /
 * Resume), the pipeline runs with their parameters and errors, and a run's executed cells with
 * "Open notebook". Reloads every few seconds while shown (every 2 s while a run is queued or running).
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import React, { useState } from 'react';

import { getSchedulerStatus, listPipelineRuns, listSchedules, runSchedule, setScheduleEnabled } from '../client';
import type { PipelineRunSummary, PipelineSchedule, SchedulerStatus } from '../client';
import { ActionFeedback, ErrorText, errorText, useLoad } from '../datasets/common';
import type { ISidebarTab, ITabContext } from '../tab';
import { PipelineRunView } from './detail';
import { PIPELINES_MS, formatParameters, nextPoll } from './format';
import { SchedulerHeartbeat } from './heartbeat';
import { PipelineRunsTable, RunFilterBar } from './runs';
import type { IRunFilter } from './runs';
import { SchedulesEmpty, SchedulesTable } from './schedules';

/** Runs the list shows. */
export const RUNS_SHOWN = 100;

interface IPipelinesData {
  scheduler: SchedulerStatus;
  schedules: PipelineSchedule[];
  runs: PipelineRunSummary[];
}

/** Ask before an action; the body is plain text (names and parameters are never HTML). */
async function confirmAction(title: string, body: string, accept: string): Promise<boolean> {
  const result = await showDialog({
    title,
    body,
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: accept })]
  });
  return result.button.accept;
}

function PipelinesOverview(props: { context: ITabContext; onOpen(runId: string): void }): React.ReactElement {
  const { context } = props;
  const [filter, setFilter] = useState<IRunFilter>({ schedule: '', status: '' });
  const [serial, setSerial] = useState(0);
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const { data, error } = useLoad<IPipelinesData>(
    async () => {
      const [scheduler, schedules, runs] = await Promise.all([
        getSchedulerStatus(),
        listSchedules(),
        listPipelineRuns({
          schedule: filter.schedule || undefined,
          status: (filter.status || undefined) as PipelineRunSummary['status'] | undefined,
          limit: RUNS_SHOWN
        })
      ]);
      return { scheduler: scheduler, schedules: schedules.schedules, runs: runs.runs };
    },
    context,
    [filter.schedule, filter.status, serial],
    answer => nextPoll(answer.runs, answer.schedules),
    PIPELINES_MS
  );

  const act = async (name: string, run: () => Promise<string>) => {
    setBusy(name);
    setNotice(null);
    setActionError(null);
    try {
      setNotice(await run());
    } catch (reason) {
      setActionError(errorText(reason));
    } finally {
      setBusy(null);
      setSerial(n => n + 1);
    }
  };

  const actions = {
    busy,
    onOpenRun: props.onOpen,
    onRunNow: async (schedule: PipelineSchedule) => {
      const parameters = formatParameters(schedule.parameters);
      const alive = data?.scheduler.alive ?? false;
      const accepted = await confirmAction(
        `Run ${schedule.name} now`,
        `Queue a run of ${schedule.notebook}${parameters ? ` with ${parameters}` : ''}. ` +
          (alive
            ? 'The scheduler picks it up within a few seconds.'
            : `No scheduler is running: the run starts once one does (${data?.scheduler.start_command ?? 'jupyter-mlops scheduler'}).`),
        'Run now'
      );
      if (accepted) {
        await act(schedule.name, async () => (await runSchedule(schedule.name)).message);
      }
    },
    onPause: async (schedule: PipelineSchedule) => {
      const accepted = await confirmAction(
        `Pause ${schedule.name}`,
        `${schedule.name} stops firing until it is resumed. Runs in progress continue.`,
        'Pause'
      );
      if (accepted) {
        await act(schedule.name, async () => (await setScheduleEnabled(schedule.name, false)).message);
      }
    },
    onResume: (schedule: PipelineSchedule) =>
      void act(schedule.name, async () => (await setScheduleEnabled(schedule.name, true)).message)
  };

  const now = Date.now();
  const schedules = data?.schedules ?? [];
  const runs = data?.runs ?? [];
  const filtered = filter.schedule !== '' || filter.status !== '';
  return (
    <div className="mlops-pipelines" data-testid="mlops-pipelines">
      <SchedulerHeartbeat status={data?.scheduler ?? null} />
      <ErrorText error={error} />
      <ActionFeedback error={actionError} notice={notice} />
      {!data && !error && <div className="mlops-loading">Loading pipelines…</div>}
      {data && (
        <>
          <h4 className="mlops-section">Schedules</h4>
          {schedules.length === 0 ? <SchedulesEmpty /> : <SchedulesTable schedules={schedules} now={now} actions={actions} />}

          <h4 className="mlops-section">Pipeline runs</h4>
          <RunFilterBar filter={filter} schedules={schedules} onChange={setFilter} />
          {runs.length === 0 ? (
            <div className="mlops-hint" data-testid="mlops-pipeline-runs-empty">
              {filtered
                ? 'No pipeline runs match this filter.'
                : 'No pipeline runs yet. Run a notebook with %mlops pipeline run nb.ipynb -p key=value, or Run now above.'}
            </div>
          ) : (
            <PipelineRunsTable runs={runs} now={now} onOpen={props.onOpen} />
          )}
        </>
      )}
    </div>
  );
}

export function PipelinesTab(props: { context: ITabContext }): React.ReactElement {
  const [runId, setRunId] = useState<string | null>(null);
  if (runId !== null) {
    return (
      <PipelineRunView
        key={runId}
        runId={runId}
        context={props.context}
        backLabel="Pipelines"
        onBack={() => setRunId(null)}
      />
    );
  }
  return <PipelinesOverview context={props.context} onOpen={setRunId} />;
}

export const pipelinesTab: ISidebarTab = {
  id: 'pipelines',
  label: 'Pipelines',
  render: context => <PipelinesTab context={context} />
};
