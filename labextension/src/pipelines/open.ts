/**
 * Opening a pipeline run's executed notebook in Lab: fetch its JSON from the store, save it under
 * the server root through the contents API (`pipeline-outputs/<name>-<id8>.ipynb`, the folder
 * created when missing) and open it with `docmanager:open`. An already saved copy is opened as is:
 * an executed notebook never changes, and the user may have annotated the copy.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';

import { getPipelineNotebook } from '../client';
import type { PipelineRunSummary } from '../client';
import { folderOf } from './format';

async function exists(app: JupyterFrontEnd, path: string): Promise<boolean> {
  try {
    await app.serviceManager.contents.get(path, { content: false });
    return true;
  } catch {
    return false;
  }
}

/** Save (if needed) and open the run's executed notebook; returns the path it opened. */
export async function openExecutedNotebook(app: JupyterFrontEnd, run: PipelineRunSummary): Promise<string> {
  const path = run.output_path;
  if (!run.has_output || !path) {
    throw new Error(`Pipeline run ${run.pipeline_run_id.slice(0, 8)} has no executed notebook: it stopped before papermill wrote one.`);
  }
  if (!app.commands.hasCommand('docmanager:open')) {
    throw new Error('Cannot open notebooks here: the document manager is not available.');
  }
  if (!(await exists(app, path))) {
    const notebook = await getPipelineNotebook(run.pipeline_run_id);
    const folder = folderOf(path);
    if (folder && !(await exists(app, folder))) {
      await app.serviceManager.contents.save(folder, { type: 'directory' });
    }
    await app.serviceManager.contents.save(path, { type: 'notebook', format: 'json', content: notebook });
  }
  await app.commands.execute('docmanager:open', { path });
  return path;
}
