/** Defaults of the gateway's own settings, each with its unit. OCI's defaults are cited where they apply. */
export const DEFAULTS = {
    server: {
        host: '0.0.0.0',
        port: 8080,
        /** Largest request head, bytes; Node's own default is 16 KiB. */
        maxHeaderBytes: 16 * 1024,
        /** Largest request body, bytes: 20 MB, OCI API Gateway's limit for HTTP backends. */
        maxBodyBytes: 20 * 1024 * 1024,
        headersTimeoutInSeconds: 10,
        requestTimeoutInSeconds: 60,
        keepAliveTimeoutInSeconds: 5,
        shutdownTimeoutInSeconds: 30,
    },
    admin: { host: '127.0.0.1', port: 9080 },
};
