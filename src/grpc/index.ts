/** The gRPC front of etcd's v3 API, translating to the v3 JSON gateway (DESIGN.md §9). */
export { createEtcdGrpcServer, type EtcdGrpcOptions, type EtcdGrpcServer } from './server.ts';
export { listenSniffing, type SniffingListener } from './port-sniffer.ts';
export { type ClientTLS } from './tls-listener.ts';
