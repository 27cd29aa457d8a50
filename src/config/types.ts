/**
 * TypeScript view of a configuration that passed the schema (schema/index.ts). Sections owned by
 * other stages (authentication, functions, identityProvider) stay `unknown` here and are typed by
 * the stage that compiles them; each backend's fields are typed in its own file under backends/.
 */
import type { StateSection } from '../state/config.ts';
import type { FunctionBackendConfig } from '../backends/function.ts';
import type { HttpBackendConfig } from '../backends/http.ts';
import type { StockBackendConfig } from '../backends/stock.ts';
import type { ServerTlsConfig } from '../server/tls.ts';

export interface ListenerConfig {
  host?: string;
  port?: number;
}

export interface ServerConfig extends ListenerConfig {
  maxHeaderBytes?: number;
  maxBodyBytes?: number;
  headersTimeoutInSeconds?: number;
  requestTimeoutInSeconds?: number;
  keepAliveTimeoutInSeconds?: number;
  shutdownTimeoutInSeconds?: number;
  trustedProxies?: string[];
  /** HTTPS on `port` (server/tls.ts). */
  tls?: ServerTlsConfig;
  /** Plain-HTTP port redirecting to HTTPS; needs `tls`. */
  httpPort?: number;
}

export type BackendConfig = HttpBackendConfig | StockBackendConfig | FunctionBackendConfig;

export type HttpMethod = 'ANY' | 'HEAD' | 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT' | 'OPTIONS';

export interface LoggingPolicies {
  accessLog?: { isEnabled?: boolean };
  executionLog?: { isEnabled?: boolean; logLevel?: 'INFO' | 'WARN' | 'ERROR' };
}

export interface RouteConfig {
  path: string;
  methods?: HttpMethod[];
  backend: BackendConfig;
  requestPolicies?: {
    authorization?: unknown;
    cors?: unknown;
    headerValidations?: unknown;
    queryParameterValidations?: unknown;
    bodyValidation?: unknown;
    headerTransformations?: unknown;
    queryParameterTransformations?: unknown;
    responseCacheLookup?: unknown;
  };
  responsePolicies?: { headerTransformations?: unknown; responseCacheStore?: unknown };
  loggingPolicies?: LoggingPolicies;
}

export interface SpecificationConfig {
  loggingPolicies?: LoggingPolicies;
  requestPolicies?: { authentication?: unknown; cors?: unknown; rateLimiting?: unknown; usagePlans?: unknown; mutualTls?: unknown };
  routes: RouteConfig[];
}

export interface DeploymentConfig {
  name: string;
  /** The deployment's OCID, so usage-plan `deploymentId` targets written for OCI resolve. */
  id?: string;
  pathPrefix: string;
  /** Always set after load: `specificationFile` is read and put here. */
  specification: SpecificationConfig;
  specificationFile?: string;
}

export interface GatehouseConfig {
  server?: ServerConfig;
  admin?: ListenerConfig;
  deployments: DeploymentConfig[];
  functions?: unknown;
  identityProvider?: unknown;
  state?: StateSection;
  responseCacheDetails?: unknown;
  secrets?: Record<string, unknown>;
  usagePlans?: unknown[];
  subscribers?: unknown[];
}
