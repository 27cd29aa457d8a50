/**
 * Finds a route of the live configuration that accepts tokens for an audience, so the console's
 * test token comes with a curl that calls something real (issue 18). It reads the configuration as
 * `GET /admin/plan` shows it (secrets blanked; audiences are not secrets): a deployment whose
 * authentication lists the audience — JWT_AUTHENTICATION `audiences`, TOKEN_AUTHENTICATION
 * `validationPolicy.additionalValidationPolicy.audiences` — and of its routes the first without
 * path parameters that takes GET, else its first route (parameters filled with `1`).
 */

export interface AudienceRoute {
  deployment: string;
  method: string;
  url: string;
  /** Where the token goes: a header and its scheme, or a query parameter (header null). */
  header: string;
  scheme: string | null;
  queryParam: string | null;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function audiencesOf(auth: Obj): unknown[] {
  if (auth['type'] === 'JWT_AUTHENTICATION') return list(auth['audiences']);
  return list(obj(obj(auth['validationPolicy'])?.['additionalValidationPolicy'])?.['audiences']);
}

function takesGet(route: Obj): boolean {
  const methods = list(route['methods']);
  return methods.length === 0 || methods.includes('GET') || methods.includes('ANY');
}

export function routeForAudience(config: unknown, dataUrl: string, audience: string): AudienceRoute | null {
  for (const d of list(obj(config)?.['deployments'])) {
    const dep = obj(d);
    const spec = obj(dep?.['specification']);
    const auth = obj(obj(spec?.['requestPolicies'])?.['authentication']);
    if (dep === null || spec === null || auth === null || !audiencesOf(auth).includes(audience)) continue;
    const routes = list(spec['routes']).map(obj).filter((r): r is Obj => r !== null && typeof r['path'] === 'string');
    const route = routes.find((r) => !(r['path'] as string).includes('{') && takesGet(r)) ?? routes[0];
    if (route === undefined) continue;
    const prefix = String(dep['pathPrefix'] ?? '').replace(/\/+$/, '');
    const path = (route['path'] as string).replace(/\{[^}]*\}/g, '1');
    const methods = list(route['methods']);
    const method = takesGet(route) ? 'GET' : String(methods[0]);
    const queryParam = typeof auth['tokenHeader'] !== 'string' && typeof auth['tokenQueryParam'] === 'string' ? auth['tokenQueryParam'] : null;
    const header = typeof auth['tokenHeader'] === 'string' ? auth['tokenHeader'] : 'Authorization';
    const scheme = typeof auth['tokenAuthScheme'] === 'string' ? auth['tokenAuthScheme'] : header.toLowerCase() === 'authorization' ? 'Bearer' : null;
    return { deployment: String(dep['name']), method, url: `${dataUrl}${prefix}${path}`, header, scheme, queryParam };
  }
  return null;
}
