/**
 * Whether a chart series has too few values to draw as a line. uPlot draws lines between
 * neighbouring values only, so a lone value between gaps (a route called in one 2-second interval)
 * would not show at all; such series are drawn as points.
 */
export function isSparse(values: Iterable<number | null | undefined>, minValues = 3): boolean {
  let count = 0;
  for (const v of values) if (v !== null && v !== undefined && ++count >= minValues) return false;
  return true;
}
