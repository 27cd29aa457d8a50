/** STATIC_KEYS: keys written in the config. Imported once through jose; never expire, never refetched. */
import type { KeyStore } from './key_store.ts';
import { KeySet } from './key_set.ts';
import { importKey, type KeyInput, type VerificationKey } from './key_import.ts';

export class StaticKeyStore implements KeyStore {
  readonly label: string;
  readonly discoveredIssuer = undefined;
  #keys: KeySet | null = null;
  #loading = true;
  readonly #ready: Promise<boolean>;

  constructor(inputs: KeyInput[]) {
    this.label = `static:${inputs.length}`;
    this.#ready = this.#load(inputs);
  }

  async #load(inputs: KeyInput[]): Promise<boolean> {
    const keys: VerificationKey[] = [];
    const refused: { kid: string | null; reason: string }[] = [];
    for (const input of inputs) {
      const k = await importKey(input);
      if (typeof k === 'string') refused.push({ kid: ('jwk' in input ? (input.jwk['kid'] as string) : input.kid) ?? null, reason: k });
      else keys.push(k);
    }
    this.#keys = new KeySet(keys, refused);
    this.#loading = false;
    return keys.length > 0;
  }

  get loading(): boolean {
    return this.#loading;
  }
  isUsable(): boolean {
    return this.#keys !== null;
  }
  keys(): KeySet | null {
    return this.#keys;
  }
  async settled(): Promise<void> {
    await this.#ready;
  }
  refetchForMiss(): null {
    return null;
  }
  poke(): void {}
  ready(): Promise<boolean> {
    return this.#ready;
  }
  adminState(): Record<string, unknown> {
    return {
      source: this.label,
      type: 'STATIC_KEYS',
      keys: this.#keys?.keys.map((k) => k.summary) ?? [],
      refused: this.#keys?.refused ?? [],
    };
  }
  stop(): void {}
}
