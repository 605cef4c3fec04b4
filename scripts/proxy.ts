import { parseArgs } from 'node:util';
import { createEtcdGrpcServer } from '../src/grpc/index.ts';

export const PROXY_USAGE = `usage: edgecd proxy --endpoint URL [--listen HOST:PORT]

Serves etcd 3.4's gRPC API (etcdctl v3, clientv3, python etcd3, jetcd) on this machine,
translating every call to the v3 JSON gateway at URL: a deployed edgecd worker
(https://edgecd.<account>.workers.dev) or any etcd 3.4's client URL (http://127.0.0.1:2379).

flags:
  --endpoint URL            the gateway to translate to (required; http:// or https://)
  --listen HOST:PORT        where to serve gRPC (default 127.0.0.1:2379)
  --max-request-bytes N     etcd's --max-request-bytes: the largest request taken, and the size
                            past which a watch response is fragmented for clients that ask
                            (default 1572864, as etcd)

  ETCDCTL_API=3 etcdctl --endpoints 127.0.0.1:2379 get foo
`;

/** `edgecd proxy`: the gRPC server of src/grpc on a workstation, until Ctrl-C or SIGTERM. */
export async function proxyCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(PROXY_USAGE);
    return 0;
  }
  let values: { endpoint?: string; listen: string; 'max-request-bytes'?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        endpoint: { type: 'string' },
        listen: { type: 'string', default: '127.0.0.1:2379' },
        'max-request-bytes': { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${PROXY_USAGE}`);
    return 2;
  }
  if (values.endpoint === undefined) {
    process.stderr.write(`--endpoint is required\n\n${PROXY_USAGE}`);
    return 2;
  }
  const maxRequestBytes = values['max-request-bytes'];
  let grpc;
  try {
    grpc = createEtcdGrpcServer({
      endpoint: values.endpoint,
      // etcd's grpcOverheadBytes (v3rpc/grpc.go) on top of the request limit.
      ...(maxRequestBytes === undefined ? {} : { maxRequestBytes: Number(maxRequestBytes) + 512 * 1024 }),
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  try {
    await grpc.listen(values.listen);
  } catch (error) {
    process.stderr.write(`cannot listen on ${values.listen}: ${(error as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`edgecd proxy serving etcd's gRPC API on ${values.listen}, translating to ${grpc.gateway.endpoint.href}\n`);
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  await new Promise<void>((resolvePromise) => {
    process.once('SIGINT', () => resolvePromise());
    process.once('SIGTERM', () => resolvePromise());
  });
  grpc.server.forceShutdown();
  grpc.gateway.close();
  process.stdout.write('edgecd proxy stopped\n');
  return 0;
}
