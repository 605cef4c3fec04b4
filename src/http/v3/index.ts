/** The v3 JSON gateway: what the member's mux and the tests use. */
export { handleV3, isV3Path, serveV3 } from './serve-v3.ts';
export { serveGatewayMux, type GatewayOptions } from './gateway-mux.ts';
export type { AuthApi, AuthMethod, LeaderKey, V3GatewayApi } from './gateway-api.ts';
export { proxyWebSocket, forwardedHeaders, type GatewaySocket } from './websocket-proxy.ts';
export { decodeMessage, GatewayPanic, JsonpbError } from './jsonpb-decode.ts';
export { encodeMessage, goString } from './jsonpb-encode.ts';
export { decodeFirst, GoJsonDecoder } from './go-json-decoder.ts';
export { errorBody, httpStatusFromCode } from './grpc-status.ts';
export * as messages from './etcd-messages.ts';
export { ROUTES } from './routes.ts';
