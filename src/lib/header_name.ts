/**
 * The one check for an HTTP field name: a `token` (RFC 9110 §5.1, §5.6.2). Used wherever a header
 * name comes from configuration, so every such field accepts and refuses the same names.
 */

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** True when `name` is a valid HTTP field name (any case). */
export function isHeaderName(name: string): boolean {
  return TOKEN.test(name);
}
