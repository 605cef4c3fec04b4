export { handleClientRequest, REQUEST_ID_HEADER, VERSION, type ClientContext } from './client-handler.ts';
