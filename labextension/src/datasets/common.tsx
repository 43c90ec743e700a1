/** The Datasets tab's own pieces (the shared kit is in `../ui`). */
import React from 'react';

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
