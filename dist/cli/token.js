/**
 * `gatehouse token --client-id ID --audience AUD [--scope S] [--config FILE]`: prints an access
 * token from the local identity provider, like the Test tab of an Auth0 API. Without
 * `--client-secret` it reads the provider's store directly (whoever can read the config and the
 * database can mint tokens anyway); with it, it asks the running provider's token endpoint.
 */
import { loadConfigFile } from '../config/load.js';
import { ConfigError } from '../errors.js';
import { openIdpState } from '../idp/admin_context.js';
import { clientCredentials } from '../idp/client_credentials.js';
import { configuredIssuer } from '../idp/index.js';
import { explainConfigError, parseWithHelp } from './args.js';
const USAGE = `Usage: gatehouse token --client-id ID --audience AUD [--scope "a b"] [--config FILE] [--json]
                       [--client-secret SECRET [--url URL]]

Prints an access token for the application ID on the API AUD (default scope: every granted scope).
  --config FILE        gatehouse.yaml with an identityProvider section (default gatehouse.yaml)
  --client-secret S    ask the running provider's /oauth/token instead of reading its store
  --url URL            the provider's base URL (default: its issuer)
  --json               print the whole token response`;
/** Store access stands in for the client secret. */
const TRUSTED = { verify: async () => true };
export async function run(argv) {
    const parsed = parseWithHelp({
        options: {
            config: { type: 'string', default: 'gatehouse.yaml' },
            'client-id': { type: 'string' },
            'client-secret': { type: 'string' },
            audience: { type: 'string' },
            scope: { type: 'string' },
            url: { type: 'string' },
            json: { type: 'boolean', default: false },
            help: { type: 'boolean', short: 'h', default: false },
        },
    }, argv, USAGE);
    if (typeof parsed === 'number')
        return parsed;
    const v = parsed.values;
    if (v['client-id'] === undefined) {
        process.stderr.write(`--client-id is required\n\n${USAGE}\n`);
        return 2;
    }
    let section;
    let baseDir;
    try {
        const loaded = loadConfigFile(v.config);
        if (loaded.config.identityProvider === undefined)
            throw new Error(`${v.config}: no identityProvider section`);
        section = loaded.config.identityProvider;
        baseDir = loaded.baseDir;
    }
    catch (err) {
        process.stderr.write(err instanceof ConfigError ? explainConfigError(v.config, 'invalid', err) : `gatehouse token: ${err.message}\n`);
        return 1;
    }
    let status;
    let body;
    if (v['client-secret'] !== undefined) {
        const base = v.url ?? configuredIssuer(section);
        const res = await fetch(new URL('oauth/token', base.endsWith('/') ? base : `${base}/`), {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ client_id: v['client-id'], client_secret: v['client-secret'], audience: v.audience, scope: v.scope, grant_type: 'client_credentials' }),
        }).catch((err) => err);
        if (res instanceof Error) {
            process.stderr.write(`gatehouse token: cannot reach ${base}: ${res.message}\n`);
            return 1;
        }
        status = res.status;
        body = (await res.json());
    }
    else {
        const state = await openIdpState(section, baseDir).catch((err) => err);
        if (state instanceof Error) {
            process.stderr.write(`gatehouse token: ${state.message}\n`);
            return 1;
        }
        try {
            if (!state.snapshot.clientById.has(v['client-id']))
                throw new Error(`no application has the client_id ${v['client-id']}`);
            if (section.issuer === undefined && section.port === 0) {
                process.stderr.write('gatehouse token: warning: identityProvider.port is 0 and no issuer is set; the token names http://localhost:4000/ as issuer\n');
            }
            // Same checks as the token endpoint, with the client already authenticated by store access.
            const scopes = v.scope === undefined ? undefined : v.scope.split(' ').filter((s) => s !== '');
            const out = await clientCredentials({ snapshot: state.snapshot, secrets: TRUSTED, defaultAudience: section.defaultAudience, nowSec: Math.floor(Date.now() / 1000) }, { grantType: 'client_credentials', clientId: v['client-id'], clientSecret: '(store access)', audience: v.audience, scopes: scopes?.length ? scopes : undefined });
            status = out.status;
            body = out.body;
        }
        catch (err) {
            process.stderr.write(`gatehouse token: ${err.message}\n`);
            return 1;
        }
        finally {
            await state.close();
        }
    }
    if (status !== 200) {
        process.stderr.write(`gatehouse token: ${status} ${String(body['error'])}: ${String(body['error_description'])}\n`);
        return 1;
    }
    process.stdout.write(v.json ? `${JSON.stringify(body, null, 2)}\n` : `${String(body['access_token'])}\n`);
    return 0;
}
