/**
 * A model server's traffic: the split as words and as a bar, and the control that shifts it
 * (mode, a canary's share, blue-green's switch), confirmed in a dialog that takes a reason.
 * Every text from the server is rendered as text, never as HTML.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import React, { useState } from 'react';

import type { ChangeTrafficRequest, ModelServer, TrafficMode, TrafficSplit } from '../client';
import { appendReasonField } from './confirm';

/** The modes the control offers (single needs no challenger, so it has no control). */
export const MODES: TrafficMode[] = ['canary', 'blue-green', 'shadow'];

/** 0.25 -> "25%", 0.125 -> "12.5%". */
export function percent(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) {
    return '';
  }
  return `${Number((share * 100).toFixed(1))}%`;
}

/** The split in words: "canary: 20% to the challenger", "blue-green: all to the champion". */
export function describeSplit(traffic: TrafficSplit | null | undefined): string {
  if (!traffic) {
    return 'unknown';
  }
  switch (traffic.mode) {
    case 'canary':
      return `canary: ${percent(traffic.challenger_share)} to the challenger`;
    case 'blue-green':
      return `blue-green: all to the ${traffic.active ?? 'champion'}`;
    case 'shadow':
      return 'shadow: the champion answers, the challenger scores in the background';
    default:
      return 'champion only';
  }
}

/** "cancer/2" for a side, from the server's heartbeat. */
function sideLabel(server: ModelServer, side: 'champion' | 'challenger'): string {
  const label = side === 'champion' ? server.champion : server.challenger;
  return label ?? side;
}

/** The split as a bar: champion and challenger shares side by side, with a legend. */
export function TrafficBar(props: { server: ModelServer; traffic: TrafficSplit }): React.ReactElement {
  const { server, traffic } = props;
  const challenger = Math.min(1, Math.max(0, traffic.challenger_share));
  const shadow = traffic.mode === 'shadow';
  return (
    <div
      className={`mlops-traffic mlops-traffic-${traffic.mode}`}
      data-testid="mlops-traffic"
      data-mode={traffic.mode}
      data-challenger-share={traffic.challenger_share}
    >
      <div className="mlops-traffic-bar" role="img" aria-label={describeSplit(traffic)} title={describeSplit(traffic)}>
        <span className="mlops-traffic-champion" style={{ width: `${(1 - challenger) * 100}%` }} />
        <span className="mlops-traffic-challenger" style={{ width: `${challenger * 100}%` }} />
      </div>
      <div className="mlops-traffic-legend" data-testid="mlops-traffic-split">
        <span className="mlops-traffic-key mlops-traffic-key-champion">
          {`champion ${sideLabel(server, 'champion')} ${percent(1 - challenger)}`}
        </span>
        {server.challenger && (
          <span className="mlops-traffic-key mlops-traffic-key-challenger">
            {shadow
              ? `challenger ${sideLabel(server, 'challenger')} in shadow (scored, never returned)`
              : `challenger ${sideLabel(server, 'challenger')} ${percent(challenger)}`}
          </span>
        )}
      </div>
    </div>
  );
}

/** The dialog's body: plain DOM built with textContent, and a reason kept in the shift log. */
class ShiftBody extends Widget implements Dialog.IBodyWidget<string> {
  private readonly _reason: HTMLTextAreaElement;

  constructor(message: string) {
    super();
    this.addClass('mlops-confirm');
    const text = document.createElement('p');
    text.className = 'mlops-confirm-message';
    text.textContent = message;
    this.node.appendChild(text);
    this._reason = appendReasonField(this.node, {
      label: "Reason (kept in the server's shift log)",
      testid: 'mlops-traffic-reason',
      rows: 2,
      placeholder: 'e.g. challenger error rate flat after 1,000 requests'
    });
  }

  getValue(): string {
    return this._reason.value.trim();
  }
}

/** Ask before a shift; the reason ('' for none), or null when the user cancels. */
export async function confirmShift(title: string, message: string, accept: string): Promise<string | null> {
  const result = await showDialog<string>({
    title,
    body: new ShiftBody(message),
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: accept })],
    focusNodeSelector: 'textarea'
  });
  return result.button.accept ? result.value ?? '' : null;
}

/** What a shift asks the server for, and its words for the dialog. */
export interface IShift {
  change: ChangeTrafficRequest;
  target: TrafficSplit;
  accept: string;
}

function split(mode: TrafficMode, challengerShare: number): TrafficSplit {
  const active = mode === 'blue-green' ? (challengerShare >= 1 ? 'challenger' : 'champion') : null;
  return { mode, challenger_share: challengerShare, champion_share: 1 - challengerShare, active };
}

/**
 * Mode select; for a canary a share slider and number (percent) and Apply; for blue-green a
 * Switch to the other side; for shadow Apply. The parent confirms and sends the shift.
 * Keyed by the current split, so a new split from the server resets the draft.
 */
export function TrafficControl(props: {
  traffic: TrafficSplit;
  busy: boolean;
  onShift(shift: IShift): void;
}): React.ReactElement {
  const { traffic, busy } = props;
  const [mode, setMode] = useState<TrafficMode>(MODES.includes(traffic.mode) ? traffic.mode : 'canary');
  const initial = traffic.mode === 'canary' ? Math.round(traffic.challenger_share * 1000) / 10 : 10;
  const [share, setShare] = useState<string>(String(initial));
  const value = share.trim() === '' ? NaN : Number(share);
  const valid = Number.isFinite(value) && value >= 0 && value <= 100;
  const unchanged = traffic.mode === 'canary' && valid && Math.abs(value / 100 - traffic.challenger_share) < 1e-9;
  const sides: Array<'champion' | 'challenger'> = ['champion', 'challenger'];
  return (
    <div className="mlops-traffic-control" data-testid="mlops-traffic-control">
      <label className="mlops-traffic-field">
        Mode{' '}
        <select
          className="jp-mod-styled"
          data-testid="mlops-traffic-mode"
          value={mode}
          disabled={busy}
          onChange={event => setMode(event.target.value as TrafficMode)}
        >
          {MODES.map(m => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </label>
      {mode === 'canary' && (
        <>
          <input
            type="range"
            className="mlops-traffic-slider"
            data-testid="mlops-traffic-share-slider"
            aria-label="Challenger share (%)"
            min={0}
            max={100}
            step={1}
            value={valid ? value : initial}
            disabled={busy}
            onChange={event => setShare(event.target.value)}
          />
          <label className="mlops-traffic-field">
            <input
              type="number"
              className="jp-mod-styled mlops-traffic-share"
              data-testid="mlops-traffic-share"
              aria-label="Challenger share (%)"
              min={0}
              max={100}
              step={1}
              value={share}
              disabled={busy}
              onChange={event => setShare(event.target.value)}
            />
            % to the challenger
          </label>
          <button
            type="button"
            className="mlops-button mlops-button-small"
            data-testid="mlops-traffic-apply"
            disabled={busy || !valid || unchanged}
            title={valid ? 'Send this share of requests to the challenger' : 'A share from 0 to 100 %'}
            onClick={() =>
              props.onShift({
                change: { mode: 'canary', challenger_share: value / 100 },
                target: split('canary', value / 100),
                accept: 'Shift'
              })
            }
          >
            Apply…
          </button>
        </>
      )}
      {mode === 'blue-green' &&
        sides
          .filter(side => !(traffic.mode === 'blue-green' && traffic.active === side))
          .map(side => (
            <button
              key={side}
              type="button"
              className="mlops-button mlops-button-small"
              data-testid="mlops-traffic-switch"
              data-side={side}
              disabled={busy}
              title={`Send every request to the ${side} at once`}
              onClick={() =>
                props.onShift({
                  change: { mode: 'blue-green', active: side },
                  target: split('blue-green', side === 'challenger' ? 1 : 0),
                  accept: 'Switch'
                })
              }
            >
              {`Switch to ${side}…`}
            </button>
          ))}
      {mode === 'shadow' && (
        <button
          type="button"
          className="mlops-button mlops-button-small"
          data-testid="mlops-traffic-apply"
          disabled={busy || traffic.mode === 'shadow'}
          title="The champion answers everything; the challenger scores every request in the background"
          onClick={() => props.onShift({ change: { mode: 'shadow' }, target: split('shadow', 0), accept: 'Shift' })}
        >
          Apply…
        </button>
      )}
    </div>
  );
}
