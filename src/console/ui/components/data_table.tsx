/**
 * A table of records as the console's pages draw them: scrolled in its own box on a narrow screen,
 * named for screen readers (a hidden caption, or the heading it is labelled by), one header cell a
 * column, and a last, unlabelled-on-screen "Actions" column where rows carry buttons.
 */
import type { ComponentChildren } from 'preact';

export interface DataTableProps {
  /** Read by screen readers only; leave it out when `labelledBy` names the table. */
  caption?: ComponentChildren;
  /** The id of a visible heading that names the table. */
  labelledBy?: string;
  columns: string[];
  /** Adds the last column, for the rows' buttons. */
  actions?: boolean;
  /** The rows (`<tr>`). */
  children: ComponentChildren;
}

export function DataTable({ caption, labelledBy, columns, actions = false, children }: DataTableProps) {
  return (
    <div class="table-wrap">
      <table aria-labelledby={labelledBy}>
        {caption !== undefined && <caption class="sr-only">{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
            {actions && (
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
