/**
 * A button whose action changes or removes something for good: it asks first (the browser's
 * confirm()), and runs the action only on yes. Disabled while its action runs.
 */
import type { ComponentChildren } from 'preact';

export interface ConfirmButtonProps {
  /** The question the operator answers before anything happens. */
  question: string;
  onConfirm(): unknown;
  busy: boolean;
  /** `danger` for what deletes or revokes. */
  class?: string;
  /** The button's accessible name, when its text alone does not say which row it acts on. */
  label?: string;
  children: ComponentChildren;
}

export function ConfirmButton({ question, onConfirm, busy, class: cls, label, children }: ConfirmButtonProps) {
  return (
    <button type="button" class={cls} disabled={busy} aria-label={label} onClick={() => confirm(question) && void onConfirm()}>
      {children}
    </button>
  );
}
