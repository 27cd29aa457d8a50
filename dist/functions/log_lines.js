/** Longest function log line kept, bytes (16 KiB); the rest of a longer line is dropped. */
export const MAX_LOG_LINE_BYTES = 16 * 1024;
const NEWLINE = 0x0a;
/**
 * Calls `onLine(line, truncated)` for each line of `stream` (without its `\n` or `\r\n`), the last
 * one included when the stream ends without a newline.
 */
export function splitLines(stream, onLine, maxBytes = MAX_LOG_LINE_BYTES) {
    // Slices of the chunks seen so far: a line spans the tail of one chunk, whole chunks and the
    // head of another, so what they keep alive is bounded by maxBytes plus two chunks.
    let pending = [];
    let size = 0;
    /** The current line was already handed on, truncated: drop bytes until its newline. */
    let skipping = false;
    const emit = (truncated) => {
        let line = (pending.length === 1 ? pending[0] : Buffer.concat(pending, size)).toString('utf8');
        if (!truncated && line.endsWith('\r'))
            line = line.slice(0, -1);
        pending = [];
        size = 0;
        onLine(line, truncated);
    };
    stream.on('data', (chunk) => {
        let start = 0;
        while (start < chunk.length) {
            const nl = chunk.indexOf(NEWLINE, start);
            const end = nl === -1 ? chunk.length : nl;
            if (!skipping) {
                const room = maxBytes - size;
                const take = Math.min(end - start, room);
                if (take > 0) {
                    pending.push(chunk.subarray(start, start + take));
                    size += take;
                }
                if (end - start > room) {
                    emit(true);
                    skipping = true;
                }
            }
            if (nl === -1)
                return;
            if (skipping)
                skipping = false;
            else
                emit(false);
            start = nl + 1;
        }
    });
    stream.on('end', () => {
        if (size > 0 && !skipping)
            emit(false);
    });
}
