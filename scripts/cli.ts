import { parseArgs } from 'node:util';
import { startLocalCluster } from './local-cluster.ts';

const USAGE = `usage: edgecd <command> [flags]

commands:
  start   run a local cluster (front door on 127.0.0.1:2379)

start flags:
  --data-dir DIR   where members persist (default ./.edgecd)
  --port N         front-door port (default 2379)
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    default:
      process.stderr.write(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

async function start(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string', default: '.edgecd' },
      port: { type: 'string', default: '2379' },
    },
    strict: true,
  });
  const cluster = await startLocalCluster({
    dataDir: values['data-dir'],
    port: Number(values.port),
  });
  process.stdout.write(`edgecd serving the etcd v2 API on ${cluster.url}\n`);
  await untilSignalled();
  await cluster.stop();
  process.stdout.write('edgecd stopped\n');
  return 0;
}

/**
 * Resolves on the first Ctrl-C or SIGTERM. Miniflare's own exit hook would `process.exit(130)` on
 * those signals before the runtime is disposed; the launcher owns them instead and stops in order.
 */
function untilSignalled(): Promise<void> {
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  return new Promise((resolvePromise) => {
    process.once('SIGINT', () => resolvePromise());
    process.once('SIGTERM', () => resolvePromise());
  });
}
