/** A copy of the configuration safe to show on the admin plane: secrets and credentials blanked. */
// `keys`: a list of strings under that name is credentials (`admin.keys`); JWKS `keys` hold objects, walked member by member.
const SECRET_KEY = /secret|password|passphrase|private|masterkey|authorization|token$|^keys$|^d$|^p$|^q$|^dp$|^dq$|^qi$|^k$/i;
const URL_CREDENTIALS = /^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i;
/**
 * Blanks values under secret-looking keys, credentials inside URLs, every function `config` value
 * every value of the `secrets:` map given inline (a `{ file }` entry keeps its path) and of a
 * headers map (`telemetry.otlp.headers` carries collector API keys; a stock backend's `headers` is a
 * list of objects, left alone).
 */
export function redactConfig(value, key = '') {
    if (typeof value === 'string') {
        if (SECRET_KEY.test(key))
            return '[redacted]';
        return value.replace(URL_CREDENTIALS, '$1[redacted]@');
    }
    if (Array.isArray(value))
        return value.map((v) => redactConfig(v, key));
    if (value !== null && typeof value === 'object') {
        const out = {};
        for (const [k, v] of Object.entries(value)) {
            out[k] = (key === 'config' || key === 'secrets' || key === 'headers') && typeof v !== 'object' ? '[redacted]' : redactConfig(v, k);
        }
        return out;
    }
    return value;
}
