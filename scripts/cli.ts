import { parseArgs } from 'node:util';
import { LOG_LEVELS } from '../src/member/logger.ts';
import { fromFlagsAndEnv } from './etcd-env.ts';
import { DEFAULT_MEMBERS, startLocalCluster, waitForLeader } from './local-cluster.ts';
import { LOGGER_KINDS, type LoggerKind } from './log-format.ts';
import { memberCommand } from './member-cli.ts';
import { proxyCommand } from './proxy.ts';
import { CLIENT_TLS_FLAGS, clientTLSFromFlags, PEER_TLS_FLAGS, withBooleanTLSFlags } from './tls-flags.ts';
import { versionText } from './version.ts';

const USAGE = `usage: edgecd <command> [flags]

commands:
  start   run a local 3-member cluster; the front door is http://127.0.0.1:2379
  member  start, wipe or inspect a member of the running cluster ('edgecd member' for help)
  proxy   serve etcd's gRPC API here, translating to a v3 gateway ('edgecd proxy --help')

  --version                     print the etcd API version edgecd serves, and its own

start flags (named as etcd's where etcd has one):
  --data-dir DIR                where members persist (default ./.edgecd)
  --port N                      front-door port (default 2379)
  --member-ports A,B,C          each member's own client port (default 22379,32379,42379)
  --heartbeat-interval MS       default 100
  --election-timeout MS         default 1000
  --snapshot-count N            applied entries between snapshots (default 100000, as etcd)
  --quota-backend-bytes N       a member's v3 store size (SQLite bytes) past which writes raise
                                NOSPACE, as etcd's (default 2 GiB)
  --quota-v3-keys N             keys a member's v3 store may index in memory (default 150000)
  --quota-v2-bytes N            a member's v2 store size (memory) past which writes are refused
                                (default 32 MiB)
  --max-watchers N              v2 long polls a member holds at once; past it 429 (default 10000)
  --initial-cluster-token TOKEN default edgecd-cluster
  --logger zap|capnslog         members' log lines as zap JSON, or as capnslog lines for a person
                                (default: capnslog in a terminal, zap otherwise)
  --log-level LEVEL             debug, info, warn, error, panic or fatal (default info)
  --cert-file FILE --key-file FILE
                                serve the front door and members' client ports over HTTPS (and
                                gRPC over TLS) with this PEM certificate and key
  --trusted-ca-file FILE --client-cert-auth
                                also require a client certificate signed by this CA
  --peer-cert-file etc.         accepted and ignored: members talk through Durable Object stubs

Every start flag is also read from its ETCD_* environment variable (--data-dir from
ETCD_DATA_DIR), as etcd reads its flags; a flag on the command line wins.
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version') {
    process.stdout.write(await versionText());
    return 0;
  }
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

/** `edgecd start`'s flags and their defaults (none: the member's own, src/member/config.ts). */
const START_FLAGS: Record<string, string | undefined> = {
  'data-dir': '.edgecd',
  port: '2379',
  'member-ports': DEFAULT_MEMBERS.map((m) => m.port).join(','),
  'heartbeat-interval': '100',
  'election-timeout': '1000',
  'snapshot-count': undefined,
  'quota-backend-bytes': undefined,
  'quota-v3-keys': undefined,
  'quota-v2-bytes': undefined,
  'max-watchers': undefined,
  'initial-cluster-token': 'edgecd-cluster',
  logger: undefined,
  'log-level': undefined,
  ...Object.fromEntries([...CLIENT_TLS_FLAGS, ...PEER_TLS_FLAGS].map((flag) => [flag, undefined])),
};

async function start(argv: string[]): Promise<number> {
  const names = Object.keys(START_FLAGS);
  const { values: given } = parseArgs({
    args: withBooleanTLSFlags(argv),
    options: Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])),
    strict: true,
  });
  const { values: set, warnings } = fromFlagsAndEnv(names, given as Record<string, string | undefined>, process.env);
  for (const warning of warnings) process.stderr.write(`edgecd: ${warning}\n`);
  const values = Object.fromEntries(names.map((name) => [name, set[name] ?? START_FLAGS[name]])) as Record<string, string | undefined> &
    Record<'data-dir' | 'port' | 'member-ports' | 'heartbeat-interval' | 'election-timeout' | 'initial-cluster-token', string>;
  const logger = (values.logger ?? (process.stdout.isTTY ? 'capnslog' : 'zap')) as LoggerKind;
  if (!LOGGER_KINDS.includes(logger)) {
    process.stderr.write(`edgecd: unknown logger option "${logger}" (zap or capnslog)\n`);
    return 2;
  }
  if (values['log-level'] !== undefined && !(LOG_LEVELS as readonly string[]).includes(values['log-level'])) {
    process.stderr.write(`edgecd: unknown log level "${values['log-level']}" (${LOG_LEVELS.join(', ')})\n`);
    return 2;
  }
  const clientTLS = await clientTLSFromFlags(values);
  for (const warning of clientTLS.warnings) process.stderr.write(`edgecd: ${warning}\n`);
  if (clientTLS.error !== undefined) {
    process.stderr.write(`edgecd: ${clientTLS.error}\n`);
    return 2;
  }
  const ports = values['member-ports'].split(',').map(Number);
  const cluster = await startLocalCluster({
    dataDir: values['data-dir'],
    port: Number(values.port),
    members: ports.map((port, i) => ({ name: `node${i + 1}`, port })),
    heartbeatMs: Number(values['heartbeat-interval']),
    electionMs: Number(values['election-timeout']),
    ...(values['snapshot-count'] === undefined ? {} : { snapshotCount: Number(values['snapshot-count']) }),
    ...(values['quota-backend-bytes'] === undefined ? {} : { quotaBackendBytes: Number(values['quota-backend-bytes']) }),
    ...(values['quota-v3-keys'] === undefined ? {} : { quotaV3Keys: Number(values['quota-v3-keys']) }),
    ...(values['quota-v2-bytes'] === undefined ? {} : { quotaV2Bytes: Number(values['quota-v2-bytes']) }),
    ...(values['max-watchers'] === undefined ? {} : { maxWatchers: Number(values['max-watchers']) }),
    initialClusterToken: values['initial-cluster-token'],
    logger,
    ...(values['log-level'] === undefined ? {} : { logLevel: values['log-level'] }),
    ...(clientTLS.tls === undefined ? {} : { tls: clientTLS.tls }),
  });
  // The banner means every member serves clients (etcd's ReadyNotify), so a client run right
  // after it finds every member's client URL published.
  let leader: string | undefined;
  while (leader === undefined) {
    leader = await waitForLeader(cluster).catch(() => {
      process.stderr.write('edgecd: still waiting for every member to elect a leader and publish its client URLs\n');
      return undefined;
    });
  }
  const lines = [
    `edgecd serving the etcd v2 and v3 APIs on ${cluster.url}`,
    `  gRPC (etcd's v3 API: etcdctl v3, clientv3) is served on the same ports${clientTLS.tls === undefined ? '' : ', over TLS'}`,
    ...(clientTLS.tls?.clientCertAuth === true ? ['  client certificates are required (--client-cert-auth): a handshake without one signed by --trusted-ca-file is refused'] : []),
    `  authentication is not enabled: anyone who reaches these ports can read and write (enable it with etcdctl, as on etcd)`,
  ];
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
