import { KeySet } from './key_set.js';
import { importKey } from './key_import.js';
export class StaticKeyStore {
    label;
    discoveredIssuer = undefined;
    #keys = null;
    #loading = true;
    #ready;
    constructor(inputs) {
        this.label = `static:${inputs.length}`;
        this.#ready = this.#load(inputs);
    }
    async #load(inputs) {
        const keys = [];
        const refused = [];
        for (const input of inputs) {
            const k = await importKey(input);
            if (typeof k === 'string')
                refused.push({ kid: ('jwk' in input ? input.jwk['kid'] : input.kid) ?? null, reason: k });
            else
                keys.push(k);
        }
        this.#keys = new KeySet(keys, refused);
        this.#loading = false;
        return keys.length > 0;
    }
    get loading() {
        return this.#loading;
    }
    isUsable() {
        return this.#keys !== null;
    }
    keys() {
        return this.#keys;
    }
    async settled() {
        await this.#ready;
    }
    refetchForMiss() {
        return null;
    }
    poke() { }
    ready() {
        return this.#ready;
    }
    adminState() {
        return {
            source: this.label,
            type: 'STATIC_KEYS',
            keys: this.#keys?.keys.map((k) => k.summary) ?? [],
            refused: this.#keys?.refused ?? [],
        };
    }
    stop() { }
}
