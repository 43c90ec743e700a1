/**
 * jupyter-mlops: the JupyterLab sidebar for the MLOps store.
 *
 * Adds the "MLOps" panel to the left area and two command palette entries
 * (MLOps: Open sidebar, MLOps: Refresh). Everything it shows comes from the
 * jupyter-mlops server extension's REST API (see `client.ts`).
 */
import { ILayoutRestorer } from '@jupyterlab/application';
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';

import { mlopsIcon } from './icon';
import { MlopsSidebar, SIDEBAR_ID } from './sidebar';

export namespace CommandIDs {
  export const open = 'jupyter-mlops:open';
  export const refresh = 'jupyter-mlops:refresh';
}

const CATEGORY = 'MLOps';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-mlops:plugin',
  description: 'The MLOps sidebar: experiments, runs, metric charts and comparisons.',
  autoStart: true,
  optional: [ICommandPalette, ILayoutRestorer],
  activate: (app: JupyterFrontEnd, palette: ICommandPalette | null, restorer: ILayoutRestorer | null) => {
    const sidebar = new MlopsSidebar(app);
    app.shell.add(sidebar, 'left', { rank: 650 });
    if (restorer) {
      restorer.add(sidebar, SIDEBAR_ID);
    }

    app.commands.addCommand(CommandIDs.open, {
      label: 'MLOps: Open sidebar',
      caption: 'Show the MLOps sidebar (experiments and runs)',
      icon: args => (args.isPalette ? undefined : mlopsIcon),
      execute: () => {
        app.shell.activateById(sidebar.id);
      }
    });
    app.commands.addCommand(CommandIDs.refresh, {
      label: 'MLOps: Refresh',
      caption: 'Reload the MLOps sidebar from the store',
      execute: () => {
        sidebar.refresh();
      }
    });
    if (palette) {
      palette.addItem({ command: CommandIDs.open, category: CATEGORY });
      palette.addItem({ command: CommandIDs.refresh, category: CATEGORY });
    }
  }
};

export default plugin;
