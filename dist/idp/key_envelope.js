/**
 * Encryption at rest of private signing keys and HS256 secrets. With a master key
 * (`GATEHOUSE_IDP_MASTER_KEY`), values are sealed with AES-256-GCM under a key derived by HKDF;
 * without one they are stored as they are. A value sealed under another master key, or read with
 * none, fails loudly instead of being used.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
const PREFIX = 'aes256gcm:v1:';
/** Environment variable that holds the master key (any string; 32+ random characters advised). */
export const MASTER_KEY_ENV = 'GATEHOUSE_IDP_MASTER_KEY';
export function createKeyEnvelope(masterKey) {
    const key = masterKey ? Buffer.from(hkdfSync('sha256', masterKey, 'gatehouse-idp', 'signing-keys-v1', 32)) : null;
    return {
        encrypting: key !== null,
        seal(plain) {
            if (key === null)
                return plain;
            const iv = randomBytes(12);
            const cipher = createCipheriv('aes-256-gcm', key, iv);
            const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
            return `${PREFIX}${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
        },
        open(stored, what) {
            if (!stored.startsWith(PREFIX))
                return stored;
            if (key === null)
                throw new Error(`${what} is encrypted at rest: set ${MASTER_KEY_ENV} to the master key it was sealed with`);
            const [iv, tag, ct] = stored.slice(PREFIX.length).split(':');
            try {
                const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv ?? '', 'base64'));
                decipher.setAuthTag(Buffer.from(tag ?? '', 'base64'));
                return Buffer.concat([decipher.update(Buffer.from(ct ?? '', 'base64')), decipher.final()]).toString('utf8');
            }
            catch (err) {
                throw new Error(`cannot decrypt ${what}: wrong ${MASTER_KEY_ENV}?`, { cause: err });
            }
        },
    };
}
/** True when a stored value is sealed (to re-seal clear values once a master key is set). */
export function isSealed(stored) {
    return stored.startsWith(PREFIX);
}
