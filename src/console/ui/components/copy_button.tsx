/** A "Copy" button for a secret, token or command; says whether the copy worked. */
import { useState } from 'preact/hooks';

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  }
  return (
    <>
      <button type="button" onClick={() => void copy()} aria-label={label}>
        Copy
      </button>
      <span role="status" class="muted">
        {state === 'copied' ? ' Copied.' : state === 'failed' ? ' Copy failed: select the text and copy it.' : ''}
      </span>
    </>
  );
}
