/** Table pieces every tab uses: a row that opens something, and a key/value table. */
import React from 'react';

/**
 * A table row that opens something on click or Enter (it takes focus with Tab). Any other
 * attribute (`className`, `data-testid`, `data-*`, `title`) goes onto the `<tr>`.
 *
 * @example
 *   <ClickableRow className="mlops-run-row" data-testid="mlops-model-row" onOpen={() => open(name)}>
 *     <td>{name}</td>
 *   </ClickableRow>
 */
export function ClickableRow(
  props: React.HTMLAttributes<HTMLTableRowElement> & { onOpen(): void }
): React.ReactElement {
  const { onOpen, children, ...attributes } = props;
  return (
    <tr
      {...attributes}
      tabIndex={0}
      onClick={onOpen}
      onKeyDown={event => {
        // Only the row itself: Enter on a checkbox or link inside keeps its own meaning.
        if (event.key === 'Enter' && event.target === event.currentTarget) {
          onOpen();
        }
      }}
    >
      {children}
    </tr>
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
