export { handleClientRequest, VERSION, type ClientContext } from './client-handler.ts';
export { serveClientHTTP, setServedHeaders } from './access-controller.ts';
export { notFound } from './responses.ts';
export { requestTarget } from './serve-mux.ts';
export { REQUEST_ID_HEADER } from './v2/keys-handler.ts';
export { GATHER_HEADER, memberFamilies } from './metrics-handler.ts';
export { isHealthCheckPath } from './health-checks.ts';
