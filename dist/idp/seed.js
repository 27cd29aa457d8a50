/**
 * Applies the `identityProvider` config section to the store at start. The config is the source of
 * truth for what it names: its APIs, applications and grants are created or updated; records made
 * through the management API or the CLI are left alone. Missing pieces are made once and kept:
 * signing keys, HS256 secrets, client secrets the config does not give (written to
 * `.gatehouse/idp-secrets.json`, mode 0600), a test application for an API nobody is granted, and
 * the management application.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { MANAGEMENT_API_ID, MANAGEMENT_SCOPES } from './management_scopes.js';
import { apiRecord, clientRecord, ensureKeysFor, newGrantId } from './operations.js';
import { hashSecret, verifySecret } from './secret_hash.js';
import { GENERATED_SECRETS_FILE } from './settings.js';
function readSecretsFile(file) {
    if (!existsSync(file))
        return {};
    try {
        return JSON.parse(readFileSync(file, 'utf8'));
    }
    catch {
        return {};
    }
}
function writeSecretsFile(file, generated) {
    if (generated.length === 0)
        return;
    const all = readSecretsFile(file);
    for (const g of generated)
        all[g.clientId] = g;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
}
export async function seedFromConfig(state, section, baseDir) {
    const now = state.now();
    const secretsFile = resolve(baseDir, GENERATED_SECRETS_FILE);
    const known = readSecretsFile(secretsFile);
    const generated = [];
    const secretSource = new Map();
    const result = await state.mutate(async (tx) => {
        const contents = await tx.contents();
        const apis = new Map(contents.apis.map((a) => [a.identifier, a]));
        const clients = new Map(contents.clients.map((c) => [c.clientId, c]));
        const grants = [...contents.grants];
        let keys = [...contents.keys];
        keys.push(...(await ensureKeysFor(tx, keys, 'RS256', now, state.issuer)));
        for (const [i, a] of (section.apis ?? []).entries()) {
            const base = apis.get(a.identifier) ?? null;
            const api = apiRecord({ name: a.name, identifier: a.identifier, signingAlg: a.signingAlg, signingSecret: a.signingSecret, tokenLifetimeSec: a.tokenLifetime, scopes: a.scopes ?? [], tokenDialect: a.tokenDialect }, base === null ? null : { ...base, origin: 'config' }, 'config', now);
            if (a.name === undefined && base === null)
                api.name = a.identifier;
            if (apis.has(api.identifier) && base === null)
                throw new Error(`identityProvider.apis[${i}]: duplicate identifier ${a.identifier}`);
            await tx.putApi(api);
            apis.set(api.identifier, api);
            keys = keys.concat(await ensureKeysFor(tx, keys, api.signingAlg, now, state.issuer));
        }
        const putGrant = async (clientId, apiId, scopes) => {
            const existing = grants.find((g) => g.clientId === clientId && g.apiId === apiId);
            const grant = { id: existing?.id ?? newGrantId(), clientId, apiId, scopes };
            await tx.putGrant(grant);
            if (existing === undefined)
                grants.push(grant);
            else
                existing.scopes = scopes;
        };
        const upsertClient = async (input) => {
            const base = input.clientId !== undefined ? clients.get(input.clientId) : [...clients.values()].find((c) => c.origin === 'config' && c.name === input.name);
            let client;
            if (base === undefined) {
                const made = clientRecord(input, 'config', now);
                client = made.client;
                if (input.clientSecret === undefined)
                    generated.push({ clientId: client.clientId, name: client.name, clientSecret: made.secret });
            }
            else {
                const sameSecret = input.clientSecret === undefined || (await verifySecret(input.clientSecret, base.secretHash));
                client = {
                    ...base,
                    name: input.name,
                    origin: 'config',
                    grantTypes: input.grantTypes ?? base.grantTypes,
                    secretHash: sameSecret ? base.secretHash : hashSecret(input.clientSecret ?? ''),
                };
            }
            secretSource.set(client.clientId, input.clientSecret !== undefined ? 'config' : 'generated');
            await tx.putClient(client);
            clients.set(client.clientId, client);
            return client;
        };
        for (const [i, app] of (section.applications ?? []).entries()) {
            const client = await upsertClient(app);
            for (const [j, g] of (app.grants ?? []).entries()) {
                const api = apis.get(g.audience) ?? (g.audience === state.snapshot.apiById.get(MANAGEMENT_API_ID)?.identifier ? state.snapshot.apiById.get(MANAGEMENT_API_ID) : undefined);
                if (api === undefined)
                    throw new Error(`identityProvider.applications[${i}].grants[${j}].audience: no API has the identifier ${g.audience}`);
                const scopes = g.scopes ?? [];
                const unknown = scopes.filter((s) => !api.scopes.some((d) => d.value === s));
                if (unknown.length > 0)
                    throw new Error(`identityProvider.applications[${i}].grants[${j}].scopes: not defined by the API ${g.audience}: ${unknown.join(' ')}`);
                await putGrant(client.clientId, api.id, scopes);
            }
        }
        // Auth0 gives each new API a test application; do the same for a config API nobody is granted.
        for (const a of section.apis ?? []) {
            const api = apis.get(a.identifier);
            if (grants.some((g) => g.apiId === api.id))
                continue;
            const client = await upsertClient({ name: `${api.name} (Test Application)` });
            await putGrant(client.clientId, api.id, api.scopes.map((s) => s.value));
        }
        // The management application: from config, or generated once.
        let managementClientId = null;
        const m = section.management;
        if (m?.clientId !== undefined || m?.clientSecret !== undefined) {
            managementClientId = (await upsertClient({ name: 'Gatehouse Management Client', clientId: m.clientId, clientSecret: m.clientSecret })).clientId;
        }
        else {
            const existing = grants.find((g) => g.apiId === MANAGEMENT_API_ID);
            managementClientId = existing?.clientId ?? (await upsertClient({ name: 'Gatehouse Management Client' })).clientId;
        }
        if (!grants.some((g) => g.clientId === managementClientId && g.apiId === MANAGEMENT_API_ID))
            await putGrant(managementClientId, MANAGEMENT_API_ID, [...MANAGEMENT_SCOPES]);
        const first = section.apis?.[0];
        const firstApi = first === undefined ? undefined : apis.get(first.identifier);
        const testGrant = firstApi === undefined ? undefined : grants.find((g) => g.apiId === firstApi.id);
        return {
            testClient: firstApi === undefined || testGrant === undefined
                ? null
                : { clientId: testGrant.clientId, audience: firstApi.identifier, secretSource: secretSource.get(testGrant.clientId) ?? (known[testGrant.clientId] ? 'generated' : 'unknown') },
            managementClientId,
        };
    });
    writeSecretsFile(secretsFile, generated);
    await state.store.sealClearValues();
    return { ...result, generated, secretsFile };
}
