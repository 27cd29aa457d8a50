/**
 * How a page tells the outcome of an action (hooks.ts useAction): a failure as an alert paragraph
 * below what was acted on, or a short status beside the button that ran it.
 */
import type { ComponentChildren } from 'preact';

/** `Not deleted: <why>`, announced at once; nothing while there is no error. */
export function ActionFailed({ prefix, error }: { prefix: string; error: string | null }) {
  if (!error) return null;
  return (
    <p role="alert" class="bad">
      {prefix}: {error}
    </p>
  );
}

/** A status beside a button: `children` while it succeeded, `<prefix>: <why>` when it failed. */
export function ActionStatus({ prefix, error, children }: { prefix: string; error: string | null; children?: ComponentChildren }) {
  return (
    <span role="status">
      {children}
      {error && (
        <span class="bad">
          {prefix}: {error}
        </span>
      )}
    </span>
  );
}
