/**
 * The little SQL both databases share. Statements use `$1, $2, ...` placeholders, in order and
 * once each, so the SQLite driver can map them to `?`.
 */
export {};
