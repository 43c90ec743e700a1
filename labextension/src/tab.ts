/**
 * The sidebar's extension point: a tab is `{ id, label, render }`.
 *
 * To add a tab (Datasets, Drift, Models, Pipelines, Serving...), write one module exporting an
 * `ISidebarTab` and list it in `TABS` in `tabs.ts`. The sidebar draws the tab strip, keeps each
 * tab mounted while another is shown (so its state survives), and passes it an `ITabContext`.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type React from 'react';

/** Where one tab sends the user in another: `{ tab: 'experiments', runId }` opens that run. */
export interface INavigation {
  /** The target tab's id. */
  tab: string;
  /** Experiments: the run whose detail to open. */
  runId?: string;
}

/** A navigation as the target tab receives it: a new `serial` (and object) for every request. */
export interface INavigationRequest extends INavigation {
  serial: number;
}

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
  /** Switch the sidebar to `target.tab` and hand it the request (see `request`). */
  navigate(target: INavigation): void;
  /** The latest navigation addressed to this tab, or null; act on it when it changes. */
  request: INavigationRequest | null;
}

export interface ISidebarTab {
  /** Stable id: the tab button's `data-testid` is `mlops-tab-<id>`. */
  id: string;
  /** Text on the tab button. */
  label: string;
  /** The tab's content; called on every render of the sidebar. */
  render(context: ITabContext): React.ReactElement;
}
