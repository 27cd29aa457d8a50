/**
 * The one check for an HTTP token (RFC 9110 §5.6.2): a field name (§5.1), a method (§9.1), either
 * half of a media type (§8.3.1). Used wherever such a name comes from configuration or is echoed
 * back, so every such field accepts and refuses the same names.
 */
const TCHARS = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const TOKEN = new RegExp(`^${TCHARS}$`);
/** A comma-separated list of tokens, as in Access-Control-Request-Headers (Fetch §3.2.2). */
const TOKEN_LIST = new RegExp(`^${TCHARS}(?:[ \\t]*,[ \\t]*${TCHARS})*$`);
/** True when `s` is an RFC 9110 token (any case). */
export function isToken(s) {
    return TOKEN.test(s);
}
/** True when `name` is a valid HTTP field name (any case). */
export const isHeaderName = isToken;
/** True when `list` is a comma-separated list of field names (spaces or tabs around the commas). */
export function isHeaderNameList(list) {
    return TOKEN_LIST.test(list);
}
