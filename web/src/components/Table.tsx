import type { ComponentChildren } from 'preact';

/** Column is one column of a Table: its heading and how to show a row's
 * value in it. */
export interface Column<T> {
  heading: string;
  cell: (row: T) => ComponentChildren;
}

interface Props<T> {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string | number;
  testid?: string;
}

/** Table is the NHS responsive table: a normal table on wide screens, one
 * card per row at phone width, each value labelled with its heading. */
export function Table<T>({ caption, columns, rows, rowKey, testid }: Props<T>) {
  return (
    <table class="nhsuk-table nhsuk-table--responsive" role="table" data-testid={testid}>
      <caption class="nhsuk-table__caption">{caption}</caption>
      <thead class="nhsuk-table__head" role="rowgroup">
        <tr class="nhsuk-table__row" role="row">
          {columns.map((c) => (
            <th class="nhsuk-table__header" role="columnheader" scope="col" key={c.heading}>
              {c.heading}
            </th>
          ))}
        </tr>
      </thead>
      <tbody class="nhsuk-table__body">
        {rows.map((r) => (
          <tr class="nhsuk-table__row" role="row" key={rowKey(r)}>
            {columns.map((c) => (
              <td class="nhsuk-table__cell" role="cell" key={c.heading}>
                <span class="nhsuk-table__heading" aria-hidden="true">
                  {c.heading}{' '}
                </span>
                {c.cell(r)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
