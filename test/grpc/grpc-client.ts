import { credentials, loadPackageDefinition, type Client, type ClientDuplexStream } from '@grpc/grpc-js';
import { etcdPackageDefinition } from '../../src/grpc/protos.ts';

type ClientConstructor = new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => Client;

/** A plain grpc-js client of one of etcd's services (e.g. `etcdserverpb.Watch`) at `address`. */
export function etcdClient(service: string, address: string): Client & Record<string, (...args: unknown[]) => unknown> {
  const loaded = loadPackageDefinition(etcdPackageDefinition()) as unknown as Record<string, Record<string, ClientConstructor>>;
  const [pkg, name] = service.split('.') as [string, string];
  const Constructor = loaded[pkg]![name]!;
  return new Constructor(address, credentials.createInsecure()) as Client & Record<string, (...args: unknown[]) => unknown>;
}

export function duplex(client: Record<string, (...args: unknown[]) => unknown>, method: string): ClientDuplexStream<object, Record<string, unknown>> {
  return client[method]!() as ClientDuplexStream<object, Record<string, unknown>>;
}

/** A unary call as a promise. */
export function unary<T = Record<string, unknown>>(client: Record<string, (...args: unknown[]) => unknown>, method: string, request: object): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    client[method]!(request, (error: Error | null, response: T) => (error === null ? resolvePromise(response) : reject(error)));
  });
}

export const b64 = (s: string): string => Buffer.from(s).toString('base64');
export const unb64 = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString();
