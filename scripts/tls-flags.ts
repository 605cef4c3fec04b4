import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import type { ClientTLS } from '../src/grpc/index.ts';

/** etcd's client TLS flags, taken by `edgecd start` (and from their ETCD_* variables). */
export const CLIENT_TLS_FLAGS = ['cert-file', 'key-file', 'trusted-ca-file', 'client-cert-auth'] as const;

/**
 * etcd's peer TLS flags. Members here talk through Durable Object stubs, never a socket, so there
 * is no peer connection to encrypt: they are accepted (so an etcd command line starts) and the
 * launcher says they have no effect.
 */
export const PEER_TLS_FLAGS = ['peer-cert-file', 'peer-key-file', 'peer-trusted-ca-file', 'peer-client-cert-auth'] as const;

/** `--client-cert-auth` alone, as etcd's boolean flags are given, made `--client-cert-auth=true`. */
export function withBooleanTLSFlags(argv: readonly string[]): string[] {
  return argv.map((arg) => (arg === '--client-cert-auth' || arg === '--peer-client-cert-auth' ? `${arg}=true` : arg));
}

/** etcd's boolean flags take true/false (pkg/flags), and bare `--client-cert-auth` means true. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && value !== 'false' && value !== '0';
}

/**
 * The client TLS the flags ask for, `undefined` for plain HTTP, or an error naming the flag, as
 * etcd refuses to start on a cert without its key or client-cert-auth without a CA.
 */
export async function clientTLSFromFlags(values: Record<string, string | undefined>): Promise<{ tls?: ClientTLS; error?: string; warnings: string[] }> {
  const warnings = PEER_TLS_FLAGS.filter((flag) => values[flag] !== undefined).map(
    (flag) => `--${flag} has no effect: members talk to each other through Durable Object stubs, not over a network socket`,
  );
  const certFile = values['cert-file'];
  const keyFile = values['key-file'];
  const caFile = values['trusted-ca-file'];
  const clientCertAuth = isTrue(values['client-cert-auth']);
  if (certFile === undefined && keyFile === undefined) {
    if (clientCertAuth || caFile !== undefined) return { error: '--client-cert-auth and --trusted-ca-file need --cert-file and --key-file (the client port must serve TLS)', warnings };
    return { warnings };
  }
  if (certFile === undefined || keyFile === undefined) return { error: '--cert-file and --key-file must be given together', warnings };
  if (clientCertAuth && caFile === undefined) return { error: '--client-cert-auth needs --trusted-ca-file (the CA client certificates must be signed by)', warnings };
  const read = async (flag: string, path: string): Promise<Buffer> => {
    try {
      return await readFile(path);
    } catch (error) {
      throw new Error(`--${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  };
  try {
    const tls: ClientTLS = {
      cert: await read('cert-file', certFile),
      key: await read('key-file', keyFile),
      ...(caFile === undefined ? {} : { ca: await read('trusted-ca-file', caFile) }),
      clientCertAuth,
    };
    // A cert that is not PEM, or a key that does not match it, is refused before anything starts.
    try {
      createSecureContext({ cert: tls.cert, key: tls.key, ...(tls.ca === undefined ? {} : { ca: tls.ca }) });
    } catch (error) {
      const reason = (error as Error & { reason?: string }).reason ?? (error as Error).message;
      throw new Error(`--cert-file ${certFile} with --key-file ${keyFile}${caFile === undefined ? '' : ` and --trusted-ca-file ${caFile}`}: ${reason}`);
    }
    return { tls, warnings };
  } catch (error) {
    return { error: (error as Error).message, warnings };
  }
}
