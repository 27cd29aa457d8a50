/**
 * TypeScript view of the authentication and authorization policies after the schema
 * (config/schema/auth.ts) accepted them. Field names and enum values are OCI's.
 */
/** Defaults applied at compile time (the schema documents them). */
export const AUTH_DEFAULTS = {
    tokenHeader: 'Authorization',
    tokenAuthScheme: 'Bearer',
    maxClockSkewInSeconds: 0,
    maxCacheDurationInHours: 1,
};
