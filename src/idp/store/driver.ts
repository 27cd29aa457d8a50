/**
 * The little SQL both databases share. Statements use `$1, $2, ...` placeholders, in order and
 * once each, so the SQLite driver can map them to `?`.
 */

export type Row = Record<string, unknown>;

export interface SqlQuery {
  (sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface SqlDriver {
  readonly kind: 'sqlite' | 'postgres';
  /** A description safe to print (no password). */
  readonly description: string;
  query: SqlQuery;
  /** Runs `fn` in one transaction; writers are serialised (across processes too). */
  transaction<T>(fn: (query: SqlQuery) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
