/**
 * The MLOps sidebar: a Lumino widget hosting a React tree with a tab strip (see `tabs.ts`)
 * and the "server extension missing" state.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { ReactWidget } from '@jupyterlab/ui-components';
import type { Message } from '@lumino/messaging';
import React, { useCallback, useEffect, useState } from 'react';

import { ServerExtensionMissing, getHealth } from './client';
import { mlopsIcon } from './icon';
import type { INavigation, INavigationRequest, ISidebarTab, ITabContext } from './tab';
import { TABS } from './tabs';

export const SIDEBAR_ID = 'jupyter-mlops-sidebar';

interface ISidebarProps {
  app: JupyterFrontEnd;
  tabs: ISidebarTab[];
  visible: boolean;
  refreshToken: number;
}

/** A warning under the tab strip while the fold has set spool records aside (`/health`'s `quarantined`). */
export function QuarantineWarning(props: { count: number }): React.ReactElement | null {
  if (props.count <= 0) {
    return null;
  }
  return (
    <div className="mlops-notice" data-testid="mlops-quarantine-warning" role="status">
      {props.count === 1 ? '1 logged record' : `${props.count} logged records`} could not be stored and{' '}
      {props.count === 1 ? 'is' : 'are'} in quarantine: run <code>jupyter-mlops doctor</code> in a terminal to see why.
    </div>
  );
}

/** What the user sees when the Jupyter server answers but the jupyter-mlops half is not loaded. */
export function ServerMissing(props: { detail: string; onRetry: () => void }): React.ReactElement {
  return (
    <div className="mlops-message mlops-server-missing" data-testid="mlops-server-missing" role="alert">
      <h3>The jupyter-mlops server extension is not enabled</h3>
      <p>
        The sidebar talks to a REST API that the package adds to the Jupyter server, and this
        server does not answer it{props.detail ? ` (${props.detail})` : ''}.
      </p>
      <p>To fix it, run this in a terminal of the environment that runs JupyterLab:</p>
      <pre className="mlops-code">jupyter server extension enable jupyter_mlops</pre>
      <p>
        then restart JupyterLab. If the extension is not listed by{' '}
        <code>jupyter server extension list</code>, reinstall the package (<code>pip install jupyter-mlops</code>)
        in that environment.
      </p>
      <button type="button" className="mlops-button" data-testid="mlops-retry" onClick={props.onRetry}>
        Check again
      </button>
    </div>
  );
}

export function Sidebar(props: ISidebarProps): React.ReactElement {
  const [active, setActive] = useState(props.tabs.length ? props.tabs[0].id : '');
  const [missing, setMissing] = useState<string | null>(null);
  const [retries, setRetries] = useState(0);
  const [quarantined, setQuarantined] = useState(0);
  const [request, setRequest] = useState<INavigationRequest | null>(null);

  const navigate = useCallback((target: INavigation) => {
    setActive(target.tab);
    setRequest(last => ({ ...target, serial: (last?.serial ?? 0) + 1 }));
  }, []);

  const reportError = useCallback((error: unknown) => {
    if (error instanceof ServerExtensionMissing) {
      setMissing(error.detail);
    }
  }, []);

  useEffect(() => {
    let current = true;
    getHealth()
      .then(health => {
        if (current) {
          setMissing(null);
          setQuarantined(health.quarantined ?? 0);
        }
      })
      .catch(error => current && reportError(error));
    return () => {
      current = false;
    };
  }, [props.refreshToken, retries, reportError]);

  return (
    <div className="mlops-sidebar" data-testid="mlops-sidebar">
      <header className="mlops-header">
        <span className="mlops-title">MLOps</span>
        <nav className="mlops-tabs" role="tablist">
          {props.tabs.map(tab => (
            <button
              type="button"
              key={tab.id}
              role="tab"
              aria-selected={tab.id === active}
              className={`mlops-tab${tab.id === active ? ' mlops-tab-active' : ''}`}
              data-testid={`mlops-tab-${tab.id}`}
              onClick={() => setActive(tab.id)}
            >
              {tab.label}
            </button>
          ))}
        </nav>
      </header>
      <QuarantineWarning count={quarantined} />
      {missing !== null ? (
        <ServerMissing detail={missing} onRetry={() => setRetries(n => n + 1)} />
      ) : (
        props.tabs.map(tab => {
          const context: ITabContext = {
            app: props.app,
            visible: props.visible && tab.id === active,
            refreshToken: props.refreshToken + retries,
            reportError,
            navigate,
            request: request !== null && request.tab === tab.id ? request : null
          };
          return (
            <section
              key={tab.id}
              className="mlops-tab-panel"
              role="tabpanel"
              hidden={tab.id !== active}
              data-tab={tab.id}
            >
              {tab.render(context)}
            </section>
          );
        })
      )}
    </div>
  );
}

/** The left-area widget. `refresh()` reloads every tab; polling pauses while it is hidden. */
export class MlopsSidebar extends ReactWidget {
  private _refreshToken = 0;

  constructor(
    private readonly _app: JupyterFrontEnd,
    private readonly _tabs: ISidebarTab[] = TABS
  ) {
    super();
    this.id = SIDEBAR_ID;
    this.addClass('mlops-sidebar-widget');
    this.title.icon = mlopsIcon;
    this.title.caption = 'MLOps';
  }

  refresh(): void {
    this._refreshToken += 1;
    this.update();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.update();
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.update();
  }

  render(): React.ReactElement {
    return <Sidebar app={this._app} tabs={this._tabs} visible={this.isVisible} refreshToken={this._refreshToken} />;
  }
}
