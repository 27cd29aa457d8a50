/**
 * Counters of browser sign-in (issue 17), one set per deployment, kept across reloads:
 * `gatehouse_browser_sign_ins_total{deployment,result}`. The request path bumps plain numbers; the
 * samples are built when `/metrics` is scraped (lib/scraped_metrics.ts). Labels are bounded: the
 * deployment and a fixed result list, never a user.
 */
import type { SharedRegistry } from '../../lib/shared_registry.ts';
import { scrapedMetric, useScrapedMetrics, type Sample } from '../../lib/scraped_metrics.ts';

/**
 * started: sent to the provider; completed: signed in; refused: a callback refused (state, provider
 * error, tokens); refreshed: an expired access token renewed; refresh_failed: renewal failed, sent
 * to sign in again; signed_out: the logout route ended a session.
 */
export const SIGN_IN_RESULTS = ['started', 'completed', 'refused', 'refreshed', 'refresh_failed', 'signed_out'] as const;
export type SignInResult = (typeof SIGN_IN_RESULTS)[number];

const PREFIX = 'stats:sign-in:';

export class SignInStats {
  readonly deployment: string;
  readonly counts = new Float64Array(SIGN_IN_RESULTS.length);

  constructor(deployment: string) {
    this.deployment = deployment;
  }

  count(result: SignInResult): void {
    const i = SIGN_IN_RESULTS.indexOf(result);
    this.counts[i] = (this.counts[i] as number) + 1;
  }
}

/** The counters of `deployment`'s sign-in; registers the metric. */
export function signInStats(registry: SharedRegistry, deployment: string): SignInStats {
  useScrapedMetrics(registry, 'sign-in', () => [
    scrapedMetric('gatehouse_browser_sign_ins_total', 'Browser sign-in (validationFailurePolicy OAUTH2) by deployment and result: started, completed, refused, refreshed, refresh_failed, signed_out.', 'counter', () => {
      const out: Sample[] = [];
      for (const s of registry.list<SignInStats>(PREFIX)) SIGN_IN_RESULTS.forEach((result, i) => out.push({ labels: { deployment: s.deployment, result }, value: s.counts[i] ?? 0 }));
      return out;
    }),
  ]);
  return registry.acquire(`${PREFIX}${deployment}`, () => new SignInStats(deployment), () => undefined);
}
