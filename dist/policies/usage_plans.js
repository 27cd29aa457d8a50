/**
 * Usage plans and subscribers (OCI §7): the catalog compiled once per plan from the top-level
 * `usagePlans:` and `subscribers:` sections, and each deployment's usage-plan check built from it
 * (usage_admission.ts runs it per request).
 *
 * Compile time resolves everything a request would otherwise look up: config-declared client
 * tokens become a Map by SHA-256, each entitlement's limits become LimitSpecs, and each deployment
 * gets a Map from plan reference to the entitlement that targets it. Subscribers managed through
 * the CLI and the admin API come from the subscriber store's index (usage_subscribers.ts), opened
 * only when the config has usage plans.
 *
 * Counter names encode the plan id, the entitlement name and the numbers, so changing a limit
 * starts a new count, and changing it back resumes the old one when its period has not ended (as
 * OCI documents for a changed quota period).
 */
import { coarseClock } from '../lib/clock.js';
import { compileContextVariable } from '../backends/context_vars.js';
import { hashClientToken, identityProviderDatabase, subscriberDatabase } from '../state/subscribers.js';
import { catalogInfo, publishCatalogInfo } from './usage_admin.js';
import { createUsagePlanAdmission } from './usage_admission.js';
import { denialStats, entitlementStats, failOpenWarner } from './usage_metrics.js';
import { longestPeriodSec, PeriodTracker } from './usage_periods.js';
import { subscriberIndex, SUBSCRIBER_POLL_MS } from './usage_subscribers.js';
export { subscribersSchema, usagePlansPolicySchema, usagePlansSchema } from './usage_schema.js';
/** Tables a client token may be read from (OCI: auth parameter, header, query, path parameter, Host). */
const TOKEN_TABLES = new Set(['headers', 'query', 'auth', 'path', 'host']);
/** A counter-name part: encoded so that `:` only ever separates parts. */
const part = (s) => encodeURIComponent(s);
function compilePlan(p, i, ctx) {
    const seenNames = new Map();
    const seenTargets = new Map();
    const entitlements = p.entitlements.map((e, k) => {
        const path = `usagePlans[${i}].entitlements[${k}]`;
        const first = seenNames.get(e.name);
        if (first !== undefined)
            ctx.issue(`${path}.name`, `duplicates entitlements[${first}].name: entitlement names are unique within a plan`);
        seenNames.set(e.name, k);
        (e.targets ?? []).forEach((t, j) => {
            const before = seenTargets.get(t.deploymentId);
            if (before !== undefined) {
                ctx.issue(`${path}.targets[${j}].deploymentId`, `deployment ${JSON.stringify(t.deploymentId)} is already a target of entitlements[${before}]: within one plan a deployment may be the target of one entitlement only`);
            }
            seenTargets.set(t.deploymentId, k);
        });
        const base = `${part(p.id)}:${part(e.name)}`;
        const rate = e.rateLimit === undefined
            ? null
            : { value: e.rateLimit.value, spec: { name: `usage-rate:${base}:${e.rateLimit.value}`, points: e.rateLimit.value, windowSeconds: 1 }, label: `${p.id}/${e.name}/rate` };
        const quota = e.quota === undefined
            ? null
            : {
                value: e.quota.value,
                allow: e.quota.operationOnBreach === 'ALLOW',
                spec: { name: `usage-quota:${base}:${e.quota.unit}:${e.quota.value}`, points: e.quota.value, windowSeconds: longestPeriodSec(e.quota.unit) },
                periods: new PeriodTracker(e.quota.unit),
                label: `${p.id}/${e.name}/quota`,
            };
        return { name: e.name, path, targets: new Set((e.targets ?? []).map((t) => t.deploymentId)), rate, quota };
    });
    return { id: p.id, displayName: p.displayName ?? null, entitlements };
}
/** The config path that names the subscriber database (for an issue). */
function databasePath(config) {
    if (config.state?.database !== undefined)
        return 'state.database';
    if (identityProviderDatabase(config) !== undefined)
        return 'identityProvider.database';
    return 'usagePlans';
}
/**
 * Compiled once per plan from the top-level sections; validates cross references (plan ids
 * exist, entitlement names unique, a deployment not targeted twice within one plan, client tokens
 * unique) reporting `ctx.issue` with paths. Opens the subscriber store (unless `ctx.offline`) when
 * there are usage plans.
 */
export function compileUsagePlanCatalog(config, counters, ctx, opts = {}) {
    const clock = opts.clock ?? coarseClock;
    const planConfigs = (config.usagePlans ?? []);
    const subscriberConfigs = (config.subscribers ?? []);
    const info = catalogInfo(config);
    const planIndex = new Map();
    const plans = planConfigs.map((p, i) => {
        const first = planIndex.get(p.id);
        if (first !== undefined)
            ctx.issue(`usagePlans[${i}].id`, `duplicates usagePlans[${first}].id: plan ids are unique`);
        planIndex.set(p.id, i);
        return compilePlan(p, i, ctx);
    });
    if (config.deployments !== undefined) {
        const known = new Set(config.deployments.flatMap((d) => (d.id === undefined ? [d.name] : [d.name, d.id])));
        planConfigs.forEach((p, i) => p.entitlements.forEach((e, k) => (e.targets ?? []).forEach((t, j) => {
            if (!known.has(t.deploymentId))
                ctx.warn(`usagePlans[${i}].entitlements[${k}].targets[${j}].deploymentId`, `no deployment has the id or name ${JSON.stringify(t.deploymentId)}`);
        })));
    }
    // Config-declared subscribers, by token hash, with their plan references resolved to ids.
    const configByHash = new Map();
    const tokenAt = new Map();
    const subscriberAt = new Map();
    subscriberConfigs.forEach((s, i) => {
        const at = `subscribers[${i}]`;
        const first = subscriberAt.get(s.id);
        if (first !== undefined)
            ctx.issue(`${at}.id`, `duplicates subscribers[${first}].id: subscriber ids are unique`);
        subscriberAt.set(s.id, i);
        const planIds = [];
        s.usagePlans.forEach((ref, j) => {
            const r = info.directory.resolve(ref);
            if ('problem' in r)
                ctx.issue(`${at}.usagePlans[${j}]`, r.problem);
            else
                planIds.push(r.id);
        });
        const entry = Object.freeze({ id: s.id, displayName: s.displayName ?? s.id, plans: Object.freeze(planIds) });
        const names = new Map();
        s.clients.forEach((c, k) => {
            const cat = `${at}.clients[${k}]`;
            const sameName = names.get(c.name);
            if (sameName !== undefined)
                ctx.issue(`${cat}.name`, `duplicates clients[${sameName}].name: client names are unique within a subscriber`);
            names.set(c.name, k);
            const hash = hashClientToken(c.token);
            const other = tokenAt.get(hash);
            // Never print the token: name where the same one was written.
            if (other !== undefined)
                ctx.issue(`${cat}.token`, `the same token as ${other}: a client token identifies one client`);
            tokenAt.set(hash, cat);
            configByHash.set(hash, entry);
        });
    });
    let index = null;
    if (plans.length > 0) {
        publishCatalogInfo(ctx.registry, info);
        if (ctx.offline !== true) {
            try {
                index = subscriberIndex(ctx.registry, subscriberDatabase(config), ctx.baseDir, ctx.log, opts.pollIntervalMs ?? SUBSCRIBER_POLL_MS);
            }
            catch (err) {
                ctx.issue(databasePath(config), `cannot open the subscriber database: ${err.message}`);
            }
        }
    }
    const store = index;
    const lookup = store === null ? (hash) => configByHash.get(hash) : (hash) => configByHash.get(hash) ?? store.get(hash);
    const pending = store === null ? () => null : () => (store.loaded ? null : store.whenLoaded());
    const warner = failOpenWarner(ctx.registry, ctx.log, () => clock.nowMs());
    const grantsByDeployment = new Map();
    function grantsFor(deployment) {
        const key = `${deployment.name}\0${deployment.id ?? ''}`;
        const found = grantsByDeployment.get(key);
        if (found !== undefined)
            return found;
        const grants = new Map();
        const byId = new Map();
        for (const plan of plans) {
            const matching = plan.entitlements.filter((e) => e.targets.has(deployment.name) || (deployment.id !== undefined && e.targets.has(deployment.id)));
            const e = matching[0];
            if (e === undefined)
                continue;
            if (matching.length > 1) {
                ctx.issue(`${matching[1].path}.targets`, `targets deployment ${deployment.name} (by its id or name), as ${e.path} of the same plan does: within one plan a deployment may be the target of one entitlement only`);
            }
            const grant = { planId: plan.id, rate: e.rate, quota: e.quota, stats: entitlementStats(ctx.registry, deployment.name, plan.id, e.name) };
            byId.set(plan.id, grant);
            if (plan.displayName !== null && !('problem' in info.directory.resolve(plan.displayName)))
                grants.set(plan.displayName, grant);
        }
        // An id wins over another plan's displayName.
        for (const [id, g] of byId)
            grants.set(id, g);
        grantsByDeployment.set(key, grants);
        return grants;
    }
    const reported = new Set();
    function issueOnce(path, message) {
        const key = `${path}\0${message}`;
        if (reported.has(key))
            return;
        reported.add(key);
        ctx.issue(path, message);
    }
    return {
        policyFor(deployment, policy, path, pathParams) {
            if (policy === undefined)
                return null;
            const { tokenLocations } = policy;
            const locations = [];
            let absentParam = null;
            for (let i = 0; i < tokenLocations.length; i++) {
                const loc = tokenLocations[i];
                const at = `${path}.tokenLocations[${i}]`;
                // The policy belongs to the deployment: a route without the path parameter never has a token there.
                const param = /^request\.path\[([^[\]]+)\]$/.exec(loc)?.[1];
                if (param !== undefined && !pathParams.has(param)) {
                    absentParam ??= { at, name: param };
                    continue;
                }
                const v = compileContextVariable(loc, pathParams);
                if (typeof v === 'string')
                    issueOnce(at, v);
                else if (!TOKEN_TABLES.has(v.table))
                    issueOnce(at, `\${${loc}}: a client token is read from request.headers[…], request.query[…], request.auth[…], request.path[…] or request.host`);
                else
                    locations.push(v);
            }
            if (locations.length === 0 && absentParam !== null) {
                issueOnce(absentParam.at, `a route of this deployment has no parameter {${absentParam.name}}, and no other token location applies to it`);
            }
            return createUsagePlanAdmission({
                locations,
                lookup,
                pending,
                grants: grantsFor(deployment),
                counters: counters.counters,
                denials: denialStats(ctx.registry, deployment.name),
                warner,
                clock,
            });
        },
    };
}
