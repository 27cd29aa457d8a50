export class RequestContext {
    req;
    res;
    requestId;
    path;
    search;
    params;
    segments;
    wildcardFrom;
    auth;
    clientIp;
    usagePlan;
    protocol;
    maxBodyBytes;
    log;
    forwardRawHeaders;
    forwardSearch;
    responseTransform;
    /** The matched route; null for 400/404/405 answers. */
    route;
    /** Auth outcome for the access log: null when the route has no authentication. */
    authReason;
    /** `process.hrtime.bigint()` at arrival. */
    startNs;
    /** Set by the data plane right after construction when the plan traces; null otherwise. */
    trace;
    #query;
    constructor(req, res, requestId, path, search, params, segments, wildcardFrom, maxBodyBytes, log, route, startNs, clientIp) {
        this.req = req;
        this.res = res;
        this.requestId = requestId;
        this.path = path;
        this.search = search;
        this.params = params;
        this.segments = segments;
        this.wildcardFrom = wildcardFrom;
        this.auth = null;
        this.clientIp = clientIp;
        this.usagePlan = null;
        this.protocol = 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
        this.maxBodyBytes = maxBodyBytes;
        this.log = log;
        this.forwardRawHeaders = null;
        this.forwardSearch = null;
        this.responseTransform = route === null ? null : route.responseTransform;
        this.route = route;
        this.authReason = null;
        this.startNs = startNs;
        this.trace = null;
        this.#query = null;
    }
    query() {
        return (this.#query ??= new URLSearchParams(this.search));
    }
}
