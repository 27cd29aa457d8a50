// Answers with what the backend received from the gateway: method, URL (path and query), headers
// and body, so the effect of the route's request transformations can be seen in the answer. It
// also sets two response headers for the route's response transformation to rename and remove.
const fdk = require('@fnproject/fdk');

fdk.handle(function echo(input, ctx) {
  const hg = ctx.httpGateway;
  const headers = {};
  for (const [name, values] of Object.entries(hg.headers)) {
    // Left out to keep the answer short and the token out of it: the caller's token (the gateway
    // has verified it) and the claims the gateway adds for functions (docs/functions.md).
    if (/^(authorization|x-gatehouse-claims)$/i.test(name)) continue;
    headers[name.toLowerCase()] = values.length === 1 ? values[0] : values;
  }
  hg.setResponseHeader('X-Echo-Version', '1');
  hg.setResponseHeader('X-Internal-Host', 'echo-1.internal');
  return { method: hg.method, url: hg.requestURL, headers, body: input === '' ? null : input };
});
