/**
 * Reads the Prometheus text exposition format (version 0.0.4) that the admin plane's `/metrics`
 * serves, so the console charts the gateway's own counters instead of asking for a second,
 * private metrics API (issue 18: "the API it uses is the documented admin API"). Only samples are
 * kept; `# HELP` / `# TYPE` lines and timestamps are skipped.
 */

/** One sample: metric name, its labels and its value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Samples grouped by metric name, in the order they appeared. */
export type Samples = Map<string, Sample[]>;

const ESCAPES: Record<string, string> = { n: '\n', '\\': '\\', '"': '"' };

/** Parses `{a="x",b="y"}` starting at `text[start] === '{'`; returns the labels and the index after `}`. */
function parseLabels(text: string, start: number): { labels: Record<string, string>; end: number } | null {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (text[i] === '}') return { labels, end: i + 1 };
    const eq = text.indexOf('=', i);
    if (eq === -1 || text[eq + 1] !== '"') return null;
    const name = text.slice(i, eq).trim();
    let value = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        j++;
        const c = text[j] ?? '';
        value += ESCAPES[c] ?? `\\${c}`;
      } else value += text[j];
    }
    if (j >= text.length) return null;
    labels[name] = value;
    i = j + 1;
  }
}

function parseValue(word: string): number {
  if (word === '+Inf') return Infinity;
  if (word === '-Inf') return -Infinity;
  return Number(word);
}

/** Parses a whole exposition; lines that do not parse are skipped (a console must not break on one). */
export function parsePrometheus(text: string): Samples {
  const out: Samples = new Map();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    let name: string;
    let labels: Record<string, string> = {};
    let rest: string;
    if (brace !== -1 && (space === -1 || brace < space)) {
      name = line.slice(0, brace);
      const parsed = parseLabels(line, brace);
      if (parsed === null) continue;
      labels = parsed.labels;
      rest = line.slice(parsed.end).trim();
    } else {
      if (space === -1) continue;
      name = line.slice(0, space);
      rest = line.slice(space + 1).trim();
    }
    const value = parseValue(rest.split(/\s+/)[0] ?? '');
    if (Number.isNaN(value)) continue;
    let list = out.get(name);
    if (list === undefined) out.set(name, (list = []));
    list.push({ name, labels, value });
  }
  return out;
}

/** The samples of `name` (an empty list when the metric is absent). */
export function samplesOf(samples: Samples, name: string): Sample[] {
  return samples.get(name) ?? [];
}
