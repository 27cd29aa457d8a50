/**
 * Finds a route of the live configuration that accepts tokens for an audience, so the console's
 * test token comes with a curl that calls something real (issue 18). It reads the configuration as
 * `GET /admin/plan` shows it (secrets blanked; audiences are not secrets): a deployment whose
 * authentication lists the audience — JWT_AUTHENTICATION `audiences`, TOKEN_AUTHENTICATION
 * `validationPolicy.additionalValidationPolicy.audiences` — and of its routes the first without
 * path parameters that takes GET, else its first route (parameters filled with `1`).
 */
const obj = (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : null);
const list = (v) => (Array.isArray(v) ? v : []);
function audiencesOf(auth) {
    if (auth['type'] === 'JWT_AUTHENTICATION')
        return list(auth['audiences']);
    return list(obj(obj(auth['validationPolicy'])?.['additionalValidationPolicy'])?.['audiences']);
}
function takesGet(route) {
    const methods = list(route['methods']);
    return methods.length === 0 || methods.includes('GET') || methods.includes('ANY');
}
export function routeForAudience(config, dataUrl, audience) {
    for (const d of list(obj(config)?.['deployments'])) {
        const dep = obj(d);
        const spec = obj(dep?.['specification']);
        const auth = obj(obj(spec?.['requestPolicies'])?.['authentication']);
        if (dep === null || spec === null || auth === null || !audiencesOf(auth).includes(audience))
            continue;
        const routes = list(spec['routes']).map(obj).filter((r) => r !== null && typeof r['path'] === 'string');
        const route = routes.find((r) => !r['path'].includes('{') && takesGet(r)) ?? routes[0];
        if (route === undefined)
            continue;
        const prefix = String(dep['pathPrefix'] ?? '').replace(/\/+$/, '');
        const path = route['path'].replace(/\{[^}]*\}/g, '1');
        const methods = list(route['methods']);
        const method = takesGet(route) ? 'GET' : String(methods[0]);
        const queryParam = typeof auth['tokenHeader'] !== 'string' && typeof auth['tokenQueryParam'] === 'string' ? auth['tokenQueryParam'] : null;
        const header = typeof auth['tokenHeader'] === 'string' ? auth['tokenHeader'] : 'Authorization';
        const scheme = typeof auth['tokenAuthScheme'] === 'string' ? auth['tokenAuthScheme'] : header.toLowerCase() === 'authorization' ? 'Bearer' : null;
        return { deployment: String(dep['name']), method, url: `${dataUrl}${prefix}${path}`, header, scheme, queryParam };
    }
    return null;
}
