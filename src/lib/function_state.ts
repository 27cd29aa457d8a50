/**
 * One function's pool as GET /admin/functions answers it. Declared once for the three that handle
 * it: the admin plane writes it, `--workers` sums the workers' answers (server/admin_merge.ts), and
 * the console's browser code reads it (console/ui). Only types, so the console's bundle takes no
 * Node code from here.
 */
export interface FunctionState {
  id: string;
  kind: 'local' | 'remote';
  /** Warm containers; null for a remote function (it has no pool here), like the counts below. */
  containers: number | null;
  busy: number | null;
  idle: number | null;
  starting: number | null;
  queued: number | null;
  coldStarts: number;
}
