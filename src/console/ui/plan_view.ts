/**
 * The Gateway page's route table from GET /admin/plan: each route's methods, path, backend and
 * the policies that apply to it (the deployment's and the route's own). The plan's summary names
 * the backend type only; the rest comes from the plan's redacted configuration, read in either
 * spelling a deployment specification loads in (camelCase or the `oci` CLI's kebab-case).
 */
import type { AdminPlan } from './admin_types.ts';

export interface RouteRow {
  deployment: string;
  /** The full path pattern, as the metrics' `route` label carries it. */
  path: string;
  methods: string[];
  /** Backend type and its target: `ORACLE_FUNCTIONS_BACKEND hello`, `HTTP_BACKEND https://…`. */
  backend: string;
  policies: string[];
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `o[key]` in camelCase or kebab-case spelling. */
function pick(o: unknown, key: string): unknown {
  if (!isObj(o)) return undefined;
  return o[key] ?? o[kebab(key)];
}

function camel(key: string): string {
  return key.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** `/v1` + `/hello` → `/v1/hello`, without a doubled or missing slash. */
export function joinPath(prefix: string, path: string): string {
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return `${p}${path.startsWith('/') ? path : `/${path}`}`;
}

/** One line per policy: its name, and for authentication and authorization the kind and scopes. */
function describePolicies(policies: unknown, prefix = ''): string[] {
  if (!isObj(policies)) return [];
  const out: string[] = [];
  for (const [rawKey, value] of Object.entries(policies)) {
    const key = camel(rawKey);
    const type = pick(value, 'type');
    if (key === 'authorization' && typeof type === 'string') {
      const scopes = pick(value, 'allowedScope');
      out.push(`${prefix}authorization ${type}${Array.isArray(scopes) && scopes.length > 0 ? ` (${scopes.join(', ')})` : ''}`);
    } else if (typeof type === 'string') out.push(`${prefix}${key} ${type}`);
    else out.push(`${prefix}${key}`);
  }
  return out;
}

function describeBackend(type: string, backend: unknown): string {
  const target = pick(backend, 'functionId') ?? pick(backend, 'url') ?? pick(backend, 'status');
  return target === undefined ? type : `${type} ${String(target)}`;
}

/** Every route of every deployment, in the plan's order. */
export function routeRows(plan: AdminPlan): RouteRow[] {
  const configured = pick(plan.config, 'deployments');
  const specs = new Map<string, Obj>();
  if (Array.isArray(configured)) {
    for (const d of configured) {
      const name = pick(d, 'name');
      if (typeof name === 'string' && isObj(d)) specs.set(name, d);
    }
  }
  const rows: RouteRow[] = [];
  for (const d of plan.deployments) {
    const cfg = specs.get(d.name);
    const spec = pick(cfg, 'specification');
    const prefix = String(pick(cfg, 'pathPrefix') ?? d.pathPrefix);
    const deploymentPolicies = [...describePolicies(pick(spec, 'requestPolicies')), ...describePolicies(pick(spec, 'responsePolicies'), 'response: ')];
    const routes = pick(spec, 'routes');
    for (const p of d.paths) {
      const route = Array.isArray(routes)
        ? routes.find((r) => {
            const path = pick(r, 'path');
            const methods = pick(r, 'methods');
            const sameMethods = !Array.isArray(methods) || methods.length === 0 || p.methods.every((m) => methods.includes(m));
            return typeof path === 'string' && joinPath(prefix, path) === p.path && sameMethods;
          })
        : undefined;
      rows.push({
        deployment: d.name,
        path: p.path,
        methods: p.methods,
        backend: describeBackend(p.backend, pick(route, 'backend')),
        policies: [...deploymentPolicies, ...describePolicies(pick(route, 'requestPolicies')), ...describePolicies(pick(route, 'responsePolicies'), 'response: ')],
      });
    }
  }
  return rows;
}
