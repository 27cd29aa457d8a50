/**
 * DYNAMIC_ROUTING_BACKEND at request time: hands the request to the backend its selector chose.
 * The selector and the backends it chooses among (HTTP, functions, stock) are compiled once by
 * policies/selection.ts (compileDynamicRouting); this only dispatches. No matching backend and no
 * default → 404 (our choice: OCI's routing page does not say; docs/oci-compatibility.md).
 */
import { sendError } from '../lib/respond.js';
/** A backend that runs whichever backend `select` picks for the request, or answers 404 when it picks none. */
export function createDynamicBackend(select) {
    return {
        type: 'DYNAMIC_ROUTING_BACKEND',
        handle: function dynamicRouting(rc) {
            const backend = select(rc);
            if (backend === null) {
                sendError(rc.res, 404, 'Not Found');
                return;
            }
            return backend.handle(rc);
        },
    };
}
