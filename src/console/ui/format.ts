/** Number and time formatting for the console's tables. */

/** `12`, `3.4`, `0.05`: few digits, enough to see a change. */
export function num(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (abs >= 100) return Math.round(n).toString();
  return Number(n.toFixed(abs >= 10 ? 1 : digits)).toString();
}

/** Seconds as `42 s`, `5 min`, `3 h`, `2 d`. */
export function duration(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec) || sec < 0) return '–';
  if (sec < 90) return `${Math.round(sec)} s`;
  if (sec < 90 * 60) return `${Math.round(sec / 60)} min`;
  if (sec < 36 * 3600) return `${Math.round(sec / 3600)} h`;
  return `${Math.round(sec / 86400)} d`;
}

/** An ISO time relative to `nowMs`: `12 s ago`, `in 30 s`. */
export function relative(iso: string | null | undefined, nowMs = Date.now()): string {
  if (iso === null || iso === undefined) return '–';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const d = (ms - nowMs) / 1000;
  return d >= 0 ? `in ${duration(d)}` : `${duration(-d)} ago`;
}

/** An ISO time as local `HH:MM:SS` (the date too when not today). */
export function clock(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const time = d.toLocaleTimeString([], { hour12: false });
  return d.toDateString() === new Date().toDateString() ? time : `${d.toLocaleDateString()} ${time}`;
}
