/**
 * How often each candidate of a dynamic selection (dynamicAuthentication servers,
 * DYNAMIC_ROUTING_BACKEND backends) was chosen, by key name, and how often none was. Key names are
 * written in the config, so the set is bounded. Each name's counter is a plain object handed out at
 * compile time: the request path bumps a field and looks nothing up.
 */
export class SelectionCounts {
    /** What the counts belong to: a deployment name, or a route pattern. */
    owner;
    #chosen = new Map();
    unmatched = 0;
    constructor(owner) {
        this.owner = owner;
    }
    /** The counter of key `name` (compile time); the same object for the same name. */
    counter(name) {
        let c = this.#chosen.get(name);
        if (c === undefined)
            this.#chosen.set(name, (c = { count: 0 }));
        return c;
    }
    /** [key name, times chosen], in the order the names were first seen. */
    entries() {
        return [...this.#chosen].map(([name, c]) => [name, c.count]);
    }
    summary() {
        return { chosen: Object.fromEntries(this.entries()), unmatched: this.unmatched };
    }
}
