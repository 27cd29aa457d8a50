import { scrapedMetric, useScrapedMetrics } from '../../lib/scraped_metrics.js';
/**
 * started: sent to the provider; completed: signed in; refused: a callback refused (state, provider
 * error, tokens); refreshed: an expired access token renewed; refresh_failed: renewal failed, sent
 * to sign in again; signed_out: the logout route ended a session.
 */
export const SIGN_IN_RESULTS = ['started', 'completed', 'refused', 'refreshed', 'refresh_failed', 'signed_out'];
const PREFIX = 'stats:sign-in:';
export class SignInStats {
    deployment;
    counts = new Float64Array(SIGN_IN_RESULTS.length);
    constructor(deployment) {
        this.deployment = deployment;
    }
    count(result) {
        const i = SIGN_IN_RESULTS.indexOf(result);
        this.counts[i] = this.counts[i] + 1;
    }
}
/** The counters of `deployment`'s sign-in; registers the metric. */
export function signInStats(registry, deployment) {
    useScrapedMetrics(registry, 'sign-in', () => [
        scrapedMetric('gatehouse_browser_sign_ins_total', 'Browser sign-in (validationFailurePolicy OAUTH2) by deployment and result: started, completed, refused, refreshed, refresh_failed, signed_out.', 'counter', () => {
            const out = [];
            for (const s of registry.list(PREFIX))
                SIGN_IN_RESULTS.forEach((result, i) => out.push({ labels: { deployment: s.deployment, result }, value: s.counts[i] ?? 0 }));
            return out;
        }),
    ]);
    return registry.acquire(`${PREFIX}${deployment}`, () => new SignInStats(deployment), () => undefined);
}
