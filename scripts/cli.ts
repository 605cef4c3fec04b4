import { parseArgs } from 'node:util';
import { DEFAULT_MEMBERS, startLocalCluster, waitForLeader } from './local-cluster.ts';
import { memberCommand } from './member-cli.ts';
import { proxyCommand } from './proxy.ts';

const USAGE = `usage: edgecd <command> [flags]

commands:
  start   run a local 3-member cluster; the front door is http://127.0.0.1:2379
  member  start, wipe or inspect a member of the running cluster ('edgecd member' for help)
  proxy   serve etcd's gRPC API here, translating to a v3 gateway ('edgecd proxy --help')

start flags (named as etcd's where etcd has one):
  --data-dir DIR                where members persist (default ./.edgecd)
  --port N                      front-door port (default 2379)
  --member-ports A,B,C          each member's own client port (default 22379,32379,42379)
  --heartbeat-interval MS       default 100
  --election-timeout MS         default 1000
  --snapshot-count N            applied entries between snapshots (default 100000, as etcd)
  --quota-backend-bytes N       a member's store size past which writes are refused (default 32 MiB)
  --initial-cluster-token TOKEN default edgecd-cluster
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'start' && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(USAGE);
    return 0;
  }
  switch (command) {
    case 'start':
      return start(rest);
    case 'member':
      return memberCommand(rest);
    case 'proxy':
      return proxyCommand(rest);
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
      'member-ports': { type: 'string', default: DEFAULT_MEMBERS.map((m) => m.port).join(',') },
      'heartbeat-interval': { type: 'string', default: '100' },
      'election-timeout': { type: 'string', default: '1000' },
      // Unset: the member's own defaults (src/member/config.ts) apply.
      'snapshot-count': { type: 'string' },
      'quota-backend-bytes': { type: 'string' },
      'initial-cluster-token': { type: 'string', default: 'edgecd-cluster' },
    },
    strict: true,
  });
  const ports = values['member-ports'].split(',').map(Number);
  const cluster = await startLocalCluster({
    dataDir: values['data-dir'],
    port: Number(values.port),
    members: ports.map((port, i) => ({ name: `node${i + 1}`, port })),
    heartbeatMs: Number(values['heartbeat-interval']),
    electionMs: Number(values['election-timeout']),
    ...(values['snapshot-count'] === undefined ? {} : { snapshotCount: Number(values['snapshot-count']) }),
    ...(values['quota-backend-bytes'] === undefined ? {} : { quotaBackendBytes: Number(values['quota-backend-bytes']) }),
    initialClusterToken: values['initial-cluster-token'],
  });
  const leader = await waitForLeader(cluster).catch(() => '(none yet)');
  const lines = [`edgecd serving the etcd v2 API on ${cluster.url}`, `  gRPC (etcd's v3 API: etcdctl v3, clientv3) is served on the same ports`];
  for (const m of cluster.members) {
    const status = await cluster.status(m.name);
    lines.push(`  ${m.name}  id=${status.id ?? '?'}  client=${m.clientURL}  peer=${m.peerURL}${m.name === leader ? '  (leader)' : ''}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
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
