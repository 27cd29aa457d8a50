// A function written for Oracle Functions with @fnproject/fdk; it runs unchanged on OCI and behind
// Gatehouse. Like OCI API Gateway, Gatehouse passes the caller's token in the Authorization header
// (already verified by the gateway), so the function only decodes the claims it needs.
const fdk = require('@fnproject/fdk');

function claimsOf(authorization) {
  const token = String(authorization || '').replace(/^Bearer\s+/i, '');
  const payload = token.split('.')[1];
  if (!payload) return {};
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return {};
  }
}

fdk.handle(function hello(input, ctx) {
  const claims = claimsOf(ctx.httpGateway.getHeader('Authorization'));
  return {
    message: `Hello, ${claims.azp || claims.sub || 'anonymous caller'}!`,
    subject: claims.sub,
    scopes: typeof claims.scope === 'string' ? claims.scope.split(' ') : [],
    issuer: claims.iss,
    audience: claims.aud,
  };
});
