export { handleClientRequest, VERSION, type ClientContext } from './client-handler.ts';
