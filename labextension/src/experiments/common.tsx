/** Small pieces shared by the Experiments views. */
import React from 'react';

import { ApiError, ServerExtensionMissing } from '../client';
import type { ITabContext } from '../tab';

/**
 * A failed load: when the server extension is missing, tell the sidebar (it shows its own state);
 * otherwise show the message in the view. True when the error is shown in the view.
 */
export function showLoadError(reason: unknown, context: ITabContext, setError: (message: string) => void): boolean {
  if (reason instanceof ServerExtensionMissing) {
    context.reportError(reason);
    return false;
  }
  setError(errorText(reason));
  return true;
}

/** A readable one-line message for any error. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    return error.message;
  }
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}

export function BackButton(props: { onBack(): void }): React.ReactElement {
  return (
    <button type="button" className="mlops-button mlops-back" data-testid="mlops-back" onClick={props.onBack}>
      ← Runs
    </button>
  );
}

/** Two columns of text: key and value. */
export function KeyValueTable(props: { rows: Array<[string, string]>; testid?: string }): React.ReactElement {
  return (
    <table className="mlops-kv" data-testid={props.testid}>
      <tbody>
        {props.rows.map(([key, value]) => (
          <tr key={key}>
            <th scope="row">{key}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** No runs yet: the first step for a new user. Or, with a filter, nothing matched. */
export function EmptyState(props: { experiment: string; filtered?: boolean }): React.ReactElement {
  if (props.filtered) {
    return (
      <div className="mlops-message mlops-empty" data-testid="mlops-empty">
        <h3>No runs match this filter</h3>
        <p className="mlops-hint">
          Change the filter and press Enter, or press Escape in the filter box to show every run.
        </p>
      </div>
    );
  }
  return (
    <div className="mlops-message mlops-empty" data-testid="mlops-empty">
      <h3>{props.experiment ? `No runs in “${props.experiment}” yet` : 'No runs yet'}</h3>
      <p>
        Run <code>%load_ext jupyter_mlops</code> in a notebook, then <code>%%mlops run</code> a training cell.
      </p>
      <p className="mlops-hint">
        Or from Python: <code>import jupyter_mlops as ml</code>, then{' '}
        <code>{'with ml.start_run(): ml.log_metric("loss", 0.5)'}</code>. New runs appear here on their own.
      </p>
    </div>
  );
}
