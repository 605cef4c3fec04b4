import { Server, ServerCredentials, type ServerDuplexStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { Gateway } from './gateway.ts';
import { KeepAliveProxy } from './keepalive-proxy.ts';
import { serviceDefinition } from './protos.ts';
import { SERVER_STREAM_ROUTES, UNARY_ROUTES } from './routes.ts';
import { serverStreamHandler, unaryHandler } from './unary.ts';
import { DEFAULT_MAX_RESPONSE_BYTES, WatchProxy, type WatchRequest } from './watch-proxy.ts';

export interface EtcdGrpcOptions {
  /** The v3 JSON gateway to translate to: `http://127.0.0.1:2379`, `https://<worker>`. */
  endpoint: string;
  /** etcd's --max-request-bytes plus gRPC overhead: the largest request taken, the watch fragment size. */
  maxRequestBytes?: number;
}

export interface EtcdGrpcServer {
  server: Server;
  gateway: Gateway;
  /** Binds `host:port` (port 0: any), resolving the bound port. */
  listen(address: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * etcd 3.4's gRPC services (KV, Watch, Lease, Cluster, Maintenance, Auth, Lock, Election), every
 * RPC translated to the v3 JSON gateway at `endpoint`. No consensus or store logic here.
 */
export function createEtcdGrpcServer(options: EtcdGrpcOptions): EtcdGrpcServer {
  const maxBytes = options.maxRequestBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const gateway = new Gateway(options.endpoint);
  // etcd's grpc.go: MaxRecvMsgSize = max request bytes + overhead, MaxSendMsgSize unlimited.
  const server = new Server({ 'grpc.max_receive_message_length': maxBytes, 'grpc.max_send_message_length': -1 });
  const services = new Set([...Object.keys(UNARY_ROUTES), ...Object.keys(SERVER_STREAM_ROUTES), 'etcdserverpb.Watch']);
  for (const name of services) {
    const implementation: UntypedServiceImplementation = {};
    for (const [method, route] of Object.entries(UNARY_ROUTES[name] ?? {})) implementation[method] = unaryHandler(gateway, route);
    for (const [method, path] of Object.entries(SERVER_STREAM_ROUTES[name] ?? {})) implementation[method] = serverStreamHandler(gateway, path);
    if (name === 'etcdserverpb.Watch') {
      implementation.Watch = (call: ServerDuplexStream<WatchRequest, object>) => new WatchProxy(call, gateway, maxBytes);
    }
    if (name === 'etcdserverpb.Lease') {
      implementation.LeaseKeepAlive = (call: ServerDuplexStream<object, object>) => new KeepAliveProxy(call, gateway);
    }
    const definition = serviceDefinition(name);
    const missing = Object.keys(definition).filter((m) => implementation[m] === undefined);
    if (missing.length > 0) throw new Error(`${name} has no handler for ${missing.join(', ')}`);
    server.addService(definition, implementation);
  }
  return {
    server,
    gateway,
    listen: (address) =>
      new Promise((resolvePromise, reject) =>
        server.bindAsync(address, ServerCredentials.createInsecure(), (error, port) => (error === null ? resolvePromise(port) : reject(error))),
      ),
    close: async () => {
      await new Promise<void>((resolvePromise) => server.tryShutdown(() => resolvePromise()));
      gateway.close();
    },
  };
}
