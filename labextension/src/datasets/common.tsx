/** Small pieces shared by the Datasets views. */
import React, { useState } from 'react';

import { showLoadError } from '../experiments/common';
import { usePolling } from '../polling';
import type { ITabContext } from '../tab';

export { KeyValueTable, errorText } from '../experiments/common';

/**
 * Load with `usePolling` while the tab is visible: `next(answer)` says when to load again
 * (ms, or null for never). A missing server extension goes to the sidebar; other errors are
 * returned as text and retried on the slow cadence by the caller's `retry`.
 */
export function useLoad<T>(
  load: () => Promise<T>,
  context: ITabContext,
  deps: ReadonlyArray<unknown>,
  next: (answer: T) => number | null,
  retry: number | null = null
): { data: T | null; error: string | null } {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  usePolling(
    async isCurrent => {
      try {
        const answer = await load();
        if (!isCurrent()) {
          return null;
        }
        setData(answer);
        setError(null);
        return next(answer);
      } catch (reason) {
        if (!isCurrent()) {
          return null;
        }
        return showLoadError(reason, context, setError) ? retry : null;
      }
    },
    context.visible,
    [...deps, context.refreshToken]
  );
  return { data, error };
}

export function BackButton(props: { label: string; onBack(): void }): React.ReactElement {
  return (
    <button type="button" className="mlops-button mlops-back" data-testid="mlops-back" onClick={props.onBack}>
      {`← ${props.label}`}
    </button>
  );
}

export function ErrorText(props: { error: string | null }): React.ReactElement | null {
  return props.error ? (
    <div className="mlops-error-text" role="alert" data-testid="mlops-error">
      {props.error}
    </div>
  ) : null;
}

/**
 * The outcome of a user's action (promote, pause, shift traffic...): its error, or a notice.
 * `testid` names both: `<testid>-error` and `<testid>-notice`.
 */
export function ActionFeedback(props: {
  error: string | null;
  notice: string | null;
  testid?: string;
}): React.ReactElement {
  const testid = props.testid ?? 'mlops-action';
  return (
    <>
      {props.error && (
        <div className="mlops-error-text" role="alert" data-testid={`${testid}-error`}>
          {props.error}
        </div>
      )}
      {props.notice && (
        <div className="mlops-notice" role="status" data-testid={`${testid}-notice`}>
          {props.notice}
        </div>
      )}
    </>
  );
}

/** No datasets yet: the first step, as text to copy into a notebook. */
export function DatasetsEmpty(): React.ReactElement {
  return (
    <div className="mlops-message mlops-empty" data-testid="mlops-datasets-empty">
      <h3>No datasets yet</h3>
      <p>Register a DataFrame (or a Parquet/CSV file, or a SQL query) from a notebook:</p>
      <pre className="mlops-code">{'import jupyter_mlops as ml\nml.register_dataset(df, "name")'}</pre>
      <p>
        or, after <code>%load_ext jupyter_mlops</code>: <code>%mlops dataset register df --name churn</code>
      </p>
      <p className="mlops-hint">
        Each registration with new content adds a version with its profile. Inside a run,{' '}
        <code>ml.load_dataset("churn@latest")</code> records the run as a reader. New datasets appear here on
        their own.
      </p>
    </div>
  );
}

/** A detail view's header: back button, title, and an optional count such as "3 versions". */
export function DetailHeader(props: {
  backLabel: string;
  onBack: () => void;
  title: string;
  count?: string;
}): React.ReactElement {
  return (
    <div className="mlops-detail-header">
      <BackButton label={props.backLabel} onBack={props.onBack} />
      <h3 className="mlops-detail-title" title={props.title}>
        {props.title}
      </h3>
      {props.count && <span className="mlops-count">{props.count}</span>}
    </div>
  );
}

/** "1 version", "3 versions". */
export function versionCount(n: number): string {
  return n === 1 ? '1 version' : `${n} versions`;
}
