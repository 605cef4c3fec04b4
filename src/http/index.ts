export { handleClientRequest, REQUEST_ID_HEADER, VERSION, type ClientContext } from './client-handler.ts';
export { serveClientHTTP, setServedHeaders } from './access-controller.ts';
export { notFound } from './render.ts';
export { requestTarget } from './serve-mux.ts';
