/**
 * "did you mean pathPrefix?" for an unknown field (issue 11). Hand-written: an edit distance over
 * a handful of field names needs no dependency.
 */
/** Case and separators do not count: `path-prefix`, `path_prefix` and `PathPrefix` are `pathPrefix`. */
function fold(name) {
    return name.toLowerCase().replace(/[-_]/g, '');
}
/**
 * Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
 * neighbours (`pahtPrefix`) each cost 1.
 */
export function editDistance(a, b) {
    const rows = a.length + 1;
    const cols = b.length + 1;
    const d = new Array(rows * cols).fill(0);
    for (let i = 0; i < rows; i++)
        d[i * cols] = i;
    for (let j = 0; j < cols; j++)
        d[j] = j;
    for (let i = 1; i < rows; i++) {
        for (let j = 1; j < cols; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            let best = Math.min(d[(i - 1) * cols + j] + 1, d[i * cols + j - 1] + 1, d[(i - 1) * cols + j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
                best = Math.min(best, d[(i - 2) * cols + j - 2] + 1);
            d[i * cols + j] = best;
        }
    }
    return d[rows * cols - 1];
}
/**
 * The known name closest to `name`, or undefined when none is close: at most one edit for short
 * names, and one more per four characters (`authentification` → `authentication` is 2 of 14),
 * and never a rewrite of a whole name (`d` is not "close" to `e`). Ties go to the first name listed.
 */
export function closestName(name, known) {
    const folded = fold(name);
    let best;
    let bestDistance = Infinity;
    for (const candidate of known) {
        const distance = editDistance(folded, fold(candidate));
        const allowed = Math.max(1, Math.floor(candidate.length / 4));
        const whole = Math.min(folded.length, candidate.length);
        if (distance <= allowed && distance < whole && distance < bestDistance) {
            best = candidate;
            bestDistance = distance;
        }
    }
    return best;
}
