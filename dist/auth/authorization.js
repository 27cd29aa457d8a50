import { denial } from './verdicts.js';
/** A token is needed (the deployment lets anonymous requests through authentication). */
export function createAuthenticatedOnly(stats, nowMs) {
    const missing = denial('token_missing');
    return {
        authorize(auth) {
            if (auth !== null)
                return null;
            stats?.record('token_missing', nowMs());
            return missing;
        },
    };
}
/** The token needs one of `allowedScope`. */
export function createAnyOfScopes(allowedScope, stats, nowMs) {
    const scopes = [...allowedScope];
    const missing = denial('token_missing');
    const insufficient = denial('scope_insufficient');
    return {
        authorize(auth) {
            if (auth === null) {
                stats?.record('token_missing', nowMs());
                return missing;
            }
            for (let i = 0; i < scopes.length; i++)
                if (auth.scopes.has(scopes[i]))
                    return null;
            stats?.record('scope_insufficient', nowMs());
            return insufficient;
        },
    };
}
