/**
 * Mutual TLS (OCI `requestPolicies.mutualTls`, deployment level only; OCI's MutualTlsDetails).
 * Skeleton: the schema and the compile function's signature; the checks follow.
 */
import { object } from '../lib/json_schema.ts';
import type { AdmissionPolicy, CompileContext } from '../types.ts';

/** OCI's limit on `allowedSans` ("must not have more than 10 values"). */
export const MAX_ALLOWED_SANS = 10;

export interface MutualTlsConfig {
  isVerifiedCertificateRequired?: boolean;
  allowedSans?: string[];
}

/** JSON-schema fragment for `requestPolicies.mutualTls` (deployment level), OCI's MutualTlsDetails. */
export const mutualTlsSchema: Record<string, unknown> = {
  ...object({
    isVerifiedCertificateRequired: {
      type: 'boolean',
      description: 'Refuse (403) requests without a client certificate verified against server.tls.clientCaFile (default false). Needs server.tls.clientCaFile.',
    },
    allowedSans: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: `Up to ${MAX_ALLOWED_SANS} names; a verified certificate must carry one of them as a DNS name, e-mail address or URI in its subjectAltName, or as its CN. Empty: any verified certificate.`,
    },
  }),
  description: "Client certificates for every route of the deployment, checked first (OCI's MutualTlsDetails).",
};

/**
 * Compiles a schema-valid `mutualTls` object of deployment `deployment` (its name, for logs); null
 * when there is none or it requires nothing. `tls.clientCa`: whether `server.tls.clientCaFile` is set.
 */
export function compileMutualTls(
  config: unknown,
  path: string,
  deployment: string,
  tls: { clientCa: boolean },
  ctx: CompileContext,
): AdmissionPolicy | null {
  void config;
  void path;
  void deployment;
  void tls;
  void ctx;
  return null;
}
