import type { Metadata } from '@grpc/grpc-js';

/**
 * The caller's auth token: clientv3 sends it as the `token` metadata; etcd's AuthInfoFromCtx
 * (auth/store.go) also takes `authorization` (what the gateway makes of an Authorization header).
 */
export function tokenOf(metadata: Metadata): string | undefined {
  for (const key of ['token', 'authorization']) {
    const value = metadata.get(key)[0];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/** An AbortSignal that fires when a gRPC call ends early (cancelled, deadline passed). */
export function abortOnCancel(call: { on(event: 'cancelled', listener: () => void): unknown }): AbortSignal {
  const controller = new AbortController();
  call.on('cancelled', () => controller.abort());
  return controller.signal;
}
