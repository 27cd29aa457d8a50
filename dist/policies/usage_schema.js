/**
 * Schema fragments of usage plans (OCI §7): the deployment policy `requestPolicies.usagePlans`,
 * and the top-level `usagePlans:` and `subscribers:` lists in OCI's UsagePlan and Subscriber
 * shapes. The fields OCI adds to a resource it returns (lifecycle, times, tags) load and are
 * ignored, so `oci api-gateway usage-plan get` output can be pasted in.
 */
import { nonEmptyString, object } from '../lib/json_schema.js';
/** JSON-schema fragment for a deployment's `requestPolicies.usagePlans` (OCI UsagePlansPolicy). */
export const usagePlansPolicySchema = {
    ...object({
        tokenLocations: {
            type: 'array',
            minItems: 1,
            items: nonEmptyString,
            description: 'Where the client token is read, as context variables: request.headers[name], request.query[name], request.auth[claim], request.path[name] or request.host. The first location with a value is used.',
        },
    }, ['tokenLocations']),
    description: "Usage plans: only clients of a subscriber to a usage plan that targets this deployment get through (403 otherwise); the plan's rate limit and quota apply (429 on breach).",
};
/** Fields of an OCI resource as OCI returns it: accepted, not used. */
const ociResourceFields = {
    compartmentId: { type: 'string', description: 'OCI field; ignored.' },
    lifecycleState: { type: 'string', description: 'OCI field; ignored.' },
    lifecycleDetails: { type: 'string', description: 'OCI field; ignored.' },
    timeCreated: { type: 'string', description: 'OCI field; ignored.' },
    timeUpdated: { type: 'string', description: 'OCI field; ignored.' },
    freeformTags: { type: 'object', description: 'OCI field; ignored.' },
    definedTags: { type: 'object', description: 'OCI field; ignored.' },
    systemTags: { type: 'object', description: 'OCI field; ignored.' },
    locks: { type: 'array', description: 'OCI field; ignored.' },
};
const entitlementSchema = object({
    name: { ...nonEmptyString, description: 'Unique within the plan; names the counters.' },
    description: { type: 'string' },
    rateLimit: {
        ...object({
            value: { type: 'integer', minimum: 1, description: 'Requests allowed per unit.' },
            unit: { enum: ['SECOND'], description: 'SECOND (the only unit OCI has).' },
        }, ['value', 'unit']),
        description: 'Requests per second for each subscriber, shared by its clients and by every targeted deployment. Absent: unlimited.',
    },
    quota: {
        ...object({
            value: { type: 'integer', minimum: 1, description: 'Requests allowed per period.' },
            unit: { enum: ['MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH'], description: 'The period: calendar periods in UTC; weeks start on Monday.' },
            resetPolicy: { enum: ['CALENDAR'], description: 'CALENDAR (the only policy OCI has): the count starts again with each period.' },
            operationOnBreach: {
                enum: ['REJECT', 'ALLOW'],
                description: 'REJECT: 429 until the period ends; ALLOW: let the request through (counted in the metrics).',
            },
        }, ['value', 'unit', 'resetPolicy', 'operationOnBreach']),
        description: 'Requests per calendar period for each subscriber, shared like the rate limit. Absent: unlimited.',
    },
    targets: {
        type: 'array',
        items: object({ deploymentId: { ...nonEmptyString, description: "A deployment's id (its OCID) or its name." } }, ['deploymentId']),
        description: 'The deployments this entitlement covers; within one plan a deployment may be the target of one entitlement only.',
    },
}, ['name']);
/** JSON-schema fragment for the top-level `usagePlans:` list (OCI UsagePlan, with its `id`). */
export const usagePlansSchema = {
    type: 'array',
    items: object({
        id: { ...nonEmptyString, description: 'Unique id (an OCID, or any name): what subscribers name and request.usage_plan[id] gives.' },
        displayName: { ...nonEmptyString, description: 'A readable name; a subscriber may name the plan by it when no other plan has it.' },
        entitlements: { type: 'array', minItems: 1, items: entitlementSchema },
        ...ociResourceFields,
    }, ['id', 'entitlements']),
    description: 'Usage plans (OCI UsagePlan): entitlements with rate limits and quotas, each targeting deployments.',
};
/** JSON-schema fragment for the top-level `subscribers:` list (OCI Subscriber, with its `id`). */
export const subscribersSchema = {
    type: 'array',
    items: object({
        id: { ...nonEmptyString, description: 'Unique id (an OCID, or any name); quotas are counted per subscriber id.' },
        displayName: nonEmptyString,
        clients: {
            type: 'array',
            items: object({
                name: { ...nonEmptyString, description: 'Unique within the subscriber.' },
                token: { ...nonEmptyString, description: 'The client token (API key), usually ${VAR}; unique across all subscribers.' },
            }, ['name', 'token']),
        },
        usagePlans: {
            type: 'array',
            items: nonEmptyString,
            description: 'Usage-plan ids (or displayNames). Order matters: for each deployment, the first plan that targets it is used.',
        },
        ...ociResourceFields,
    }, ['id', 'clients', 'usagePlans']),
    description: 'Subscribers (OCI Subscriber) declared in the config file; more are managed with `gatehouse subscribers` and the admin API.',
};
