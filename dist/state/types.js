/**
 * Shared state: what rate limits, usage-plan quotas and the response cache keep between requests,
 * and — with several gateway instances, or `--workers` — between processes. One small interface,
 * three implementations: in-process memory (the default), the `--workers` primary's memory reached
 * over IPC, and Redis (`state.redis`).
 *
 * Every operation is asynchronous and may fail (Redis down, a timeout). Callers never let that fail
 * a request: a limit that cannot be counted lets the request through, a cache that cannot be read is
 * bypassed. Each store reports its own health for `/admin/state` and `/metrics`.
 */
export {};
