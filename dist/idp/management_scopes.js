/**
 * Scopes of the management API, named as Auth0's Management API v2 names them, and
 * `gatehouse:admin`: a token carrying it may make changes on the gateway's admin plane (issue 18,
 * docs/admin-api.md).
 */
export const MANAGEMENT_API_ID = 'gatehouse-management-api';
export const MANAGEMENT_SCOPES = [
    'read:resource_servers',
    'create:resource_servers',
    'update:resource_servers',
    'delete:resource_servers',
    'read:clients',
    'create:clients',
    'update:clients',
    'delete:clients',
    'read:client_grants',
    'create:client_grants',
    'update:client_grants',
    'delete:client_grants',
    'read:signing_keys',
    'create:signing_keys',
    'update:signing_keys',
    'gatehouse:admin',
];
