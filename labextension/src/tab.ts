/**
 * The sidebar's extension point: a tab is `{ id, label, render }`.
 *
 * To add a tab (Datasets, Drift, Models, Pipelines, Serving...), write one module exporting an
 * `ISidebarTab` and list it in `TABS` in `tabs.ts`. The sidebar draws the tab strip, keeps each
 * tab mounted while another is shown (so its state survives), and passes it an `ITabContext`.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type React from 'react';

export interface ITabContext {
  /** The JupyterLab application: commands (`docmanager:open`), contents, shell. */
  app: JupyterFrontEnd;
  /** True while the panel is shown and this tab is the active one; poll only then. */
  visible: boolean;
  /** Increases on every "MLOps: Refresh"; reload when it changes. */
  refreshToken: number;
  /**
   * Report an error the tab cannot show itself. A `ServerExtensionMissing` switches the
   * whole panel to the message that tells the user how to enable the server extension.
   */
  reportError(error: unknown): void;
}

export interface ISidebarTab {
  /** Stable id: the tab button's `data-testid` is `mlops-tab-<id>`. */
  id: string;
  /** Text on the tab button. */
  label: string;
  /** The tab's content; called on every render of the sidebar. */
  render(context: ITabContext): React.ReactElement;
}
