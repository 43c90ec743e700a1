/**
 * The confirmation before an alias move: a JupyterLab dialog with the alias (for a promote) and
 * a reason that goes into the alias history. Cancelling resolves to null and changes nothing.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

export interface IAliasConfirmation {
  alias: string;
  reason: string;
}

/** An alias as the server accepts it: a letter, then letters, digits, '_' or '-'. */
export const ALIAS_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** The dialog's body: plain DOM built with textContent, so names and reasons stay text. */
class ConfirmBody extends Widget implements Dialog.IBodyWidget<IAliasConfirmation> {
  private readonly _alias: HTMLInputElement | null;
  private readonly _reason: HTMLTextAreaElement;
  private readonly _fixedAlias: string;

  constructor(message: string, alias: string, editableAlias: boolean) {
    super();
    this.addClass('mlops-confirm');
    this._fixedAlias = alias;
    const node = this.node;
    const text = document.createElement('p');
    text.className = 'mlops-confirm-message';
    text.textContent = message;
    node.appendChild(text);
    if (editableAlias) {
      const label = document.createElement('label');
      label.className = 'mlops-confirm-label';
      label.textContent = 'Alias';
      const input = document.createElement('input');
      input.className = 'jp-mod-styled mlops-confirm-alias';
      input.setAttribute('data-testid', 'mlops-alias-input');
      input.value = alias;
      label.appendChild(input);
      node.appendChild(label);
      this._alias = input;
    } else {
      this._alias = null;
    }
    this._reason = appendReasonField(node, {
      label: 'Reason (recorded in the alias history)',
      testid: 'mlops-reason-input',
      rows: 3,
      placeholder: 'e.g. AUC 0.84 → 0.87 on churn@5'
    });
  }

  getValue(): IAliasConfirmation {
    return {
      alias: (this._alias ? this._alias.value : this._fixedAlias).trim(),
      reason: this._reason.value.trim()
    };
  }
}

/** Ask before an alias move; null when the user cancels. */
export async function confirmAliasMove(options: {
  title: string;
  message: string;
  alias: string;
  editableAlias: boolean;
  accept: string;
}): Promise<IAliasConfirmation | null> {
  const result = await showDialog<IAliasConfirmation>({
    title: options.title,
    body: new ConfirmBody(options.message, options.alias, options.editableAlias),
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: options.accept })],
    focusNodeSelector: options.editableAlias ? 'input' : 'textarea'
  });
  if (!result.button.accept || !result.value) {
    return null;
  }
  return result.value;
}

/** Append a labelled "reason" text box to a dialog body; returns the box to read its value from. */
export function appendReasonField(
  node: HTMLElement,
  options: { label: string; testid: string; rows: number; placeholder: string }
): HTMLTextAreaElement {
  const label = document.createElement('label');
  label.className = 'mlops-confirm-label';
  label.textContent = options.label;
  const reason = document.createElement('textarea');
  reason.className = 'jp-mod-styled mlops-confirm-reason';
  reason.setAttribute('data-testid', options.testid);
  reason.rows = options.rows;
  reason.placeholder = options.placeholder;
  label.appendChild(reason);
  node.appendChild(label);
  return reason;
}
