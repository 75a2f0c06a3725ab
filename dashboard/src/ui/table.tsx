import type { ComponentChildren } from 'preact';
import { download, toCsv } from './csv';

/** One column of a {@link DataTable}: its header, its cell, and the cell's text in the CSV. */
export interface Column<Row> {
  header: string;
  /** The exact value written to the CSV (raw numbers, ISO instants, ids as sent). */
  csv: (row: Row) => string;
  /** What the cell shows; default the CSV text. */
  cell?: (row: Row) => ComponentChildren;
  /** Right-aligned (numbers). */
  numeric?: boolean;
}

/**
 * A table with a caption and a "Download CSV" button whose file holds exactly the rows shown, one
 * column per header; `testId` names the table for tests and the file.
 */
export function DataTable<Row>(props: { caption: string; testId: string; columns: ReadonlyArray<Column<Row>>; rows: readonly Row[]; empty?: string }) {
  const { caption, testId, columns, rows } = props;
  const exportCsv = () =>
    download(
      `${testId}.csv`,
      toCsv(
        columns.map((column) => column.header),
        rows.map((row) => columns.map((column) => column.csv(row))),
      ),
    );
  return (
    <div class="table-block">
      <div class="table-tools">
        <button type="button" class="secondary" onClick={exportCsv} data-testid={`${testId}-csv`} disabled={rows.length === 0}>
          Download CSV<span class="visually-hidden"> of {caption}</span>
        </button>
      </div>
      <div class="table-scroll" tabIndex={0} role="region" aria-label={caption}>
        <table data-testid={testId}>
          <caption>{caption}</caption>
          <thead>
            <tr>
              {columns.map((column) => (
                <th scope="col" class={column.numeric ? 'num' : undefined}>
                  {column.header}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={columns.length} class="empty">
                  {props.empty ?? 'Nothing to show.'}
                </td>
              </tr>
            ) : (
              rows.map((row) => (
                <tr>
                  {columns.map((column) => (
                    <td class={column.numeric ? 'num' : undefined}>{column.cell ? column.cell(row) : column.csv(row)}</td>
                  ))}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
