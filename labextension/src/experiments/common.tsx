/** The Experiments tab's own pieces (the shared kit is in `../ui`). */
import React from 'react';

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
