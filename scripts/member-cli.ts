import { parseArgs } from 'node:util';
import { callControl } from './control.ts';
import { callEndpoint, type OperatorEndpoint } from './operator-client.ts';

const USAGE = `usage: edgecd member <command> [flags]

commands:
  start   start a member that 'etcdctl member add' added (etcd's --initial-cluster-state existing)
  wipe    delete everything a member object stores (the seed's 'docker volume rm etcd-data')
  status  print a member object's state

flags:
  --name NAME                          the member (its Durable Object), e.g. node2
  --initial-advertise-peer-urls URL    (start) the peer URL it was added with, e.g. http://node2:2380
  --initial-cluster-state existing     (start) joining a running cluster is the only state here
  --endpoint URL                       the running cluster (default http://127.0.0.1:2379); given
                                       without --data-dir: a deployed cluster, reached through its
                                       operator routes (auth on, root only)
  --username root:PASSWORD             (deployed) root's credentials
  --cacert FILE                        (deployed) CA certificate for an https endpoint
  --data-dir DIR                       the running launcher's data dir (default ./.edgecd)
  --force                              (wipe) also wipe a live member
`;

export async function memberCommand(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string' },
      'initial-advertise-peer-urls': { type: 'string' },
      'initial-cluster-state': { type: 'string', default: 'existing' },
      endpoint: { type: 'string' },
      username: { type: 'string' },
      cacert: { type: 'string' },
      'data-dir': { type: 'string' },
      force: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const name = values.name;
  if (name === undefined || !['start', 'wipe', 'status'].includes(command ?? '')) {
    process.stderr.write(USAGE);
    return 2;
  }
  // An endpoint with no launcher data dir is a deployed cluster: no control socket to reach.
  if (values.endpoint !== undefined && values['data-dir'] === undefined) {
    const endpoint: OperatorEndpoint = { url: values.endpoint, ...(values.username === undefined ? {} : { username: values.username }), ...(values.cacert === undefined ? {} : { cacert: values.cacert }) };
    return deployedCommand(command!, name, endpoint, values.force);
  }
  const dataDir = values['data-dir'] ?? '.edgecd';
  switch (command) {
    case 'wipe': {
      const result = await callControl(dataDir, 'POST', `/members/${name}/wipe`, JSON.stringify({ force: values.force }));
      if (result.status !== 200) return fail(messageOf(result.body));
      process.stdout.write(`wiped ${name}: its log, snapshot and identity are gone\n`);
      return 0;
    }
    case 'status': {
      const result = await callControl(dataDir, 'GET', `/members/${name}/status`);
      process.stdout.write(`${result.body}\n`);
      return result.status === 200 ? 0 : 1;
    }
    default:
      return start(name, values['initial-advertise-peer-urls'], values['initial-cluster-state'], values.endpoint ?? 'http://127.0.0.1:2379', dataDir);
  }
}

/** The same three commands on a deployed cluster, through its operator routes. */
async function deployedCommand(command: string, name: string, endpoint: OperatorEndpoint, force: boolean): Promise<number> {
  const route = `/edgecd/v1/members/${encodeURIComponent(name)}`;
  switch (command) {
    case 'status': {
      const result = await callEndpoint(endpoint, 'GET', `${route}/status`);
      if (result.status !== 200) return fail(refusal(result.status, result.body, endpoint));
      process.stdout.write(`${result.body}\n`);
      return 0;
    }
    case 'wipe': {
      const result = await callEndpoint(endpoint, 'POST', `${route}/wipe${force ? '?force=true' : ''}`);
      if (result.status !== 200) return fail(refusal(result.status, result.body, endpoint));
      process.stdout.write(`wiped ${name}: its log, snapshot and identity are gone\n`);
      return 0;
    }
    default: {
      const joined = await callEndpoint(endpoint, 'POST', `${route}/join`);
      if (joined.status !== 200) {
        const message = refusal(joined.status, joined.body, endpoint);
        return fail(joined.status === 409 && message.includes('removed') ? `${message}\n(wipe it with: edgecd member wipe --name ${name} --endpoint ${endpoint.url})` : message);
      }
      const deadline = Date.now() + 30_000;
      for (;;) {
        const now = await callEndpoint(endpoint, 'GET', '/v2/members');
        const members = now.status === 200 ? (JSON.parse(now.body) as { members: MemberJSON[] }).members : [];
        const published = members.find((m) => m.name === name);
        if (published !== undefined) {
          process.stdout.write(`member ${name} (${published.id}) started and joined the cluster; client URLs ${published.clientURLs.join(',') || '(none)'}\n`);
          return 0;
        }
        if (Date.now() > deadline) return fail(`member ${name} started but has not caught up with the cluster in 30 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}

function refusal(status: number, body: string, endpoint: OperatorEndpoint): string {
  if (status === 404 && !body.trimStart().startsWith('{')) {
    return `${endpoint.url} has no operator routes: they are served only when the cluster has authentication on (or no member has that name)`;
  }
  if (status === 401 && endpoint.username === undefined) return `${messageOf(body)} (give root's with --username root:PASSWORD)`;
  return messageOf(body);
}

interface MemberJSON {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
}

async function start(name: string, peerURL: string | undefined, state: string, endpoint: string, dataDir: string): Promise<number> {
  if (state !== 'existing') {
    return fail(`--initial-cluster-state ${state}: a new cluster is bootstrapped by 'edgecd start'; a member added to a running one starts with --initial-cluster-state existing`);
  }
  if (peerURL === undefined) return fail('--initial-advertise-peer-urls is required (the peer URL given to etcdctl member add)');
  // Peers reach a member through its Durable Object, named by its peer URL's host.
  const host = new URL(peerURL).hostname;
  if (host !== name) return fail(`in edgecd a member's peer URL names its object: --name ${name} needs a peer URL like http://${name}:2380`);

  const response = await fetch(`${endpoint}/v2/members`);
  const clusterId = response.headers.get('X-Etcd-Cluster-Id') ?? '';
  const { members } = (await response.json()) as { members: MemberJSON[] };
  const self = members.find((m) => m.peerURLs.includes(peerURL));
  if (self === undefined) {
    return fail(`no member of the cluster at ${endpoint} has peer URL ${peerURL}; add it first: etcdctl member add ${name} ${peerURL}`);
  }
  const peers = Object.fromEntries(members.filter((m) => m.peerURLs[0] !== undefined).map((m) => [m.id, m.peerURLs[0]!]));
  const joined = await callControl(dataDir, 'POST', `/members/${name}/join`, JSON.stringify({ name, id: self.id, clusterId, peers }));
  if (joined.status !== 200) {
    // etcd logs these two lines and exits when a removed member's data dir is reused.
    return fail(`${messageOf(joined.body)}\n(wipe it with: edgecd member wipe --name ${name})`);
  }

  const deadline = Date.now() + 30_000;
  for (;;) {
    const now = (await (await fetch(`${endpoint}/v2/members`)).json()) as { members: MemberJSON[] };
    const published = now.members.find((m) => m.id === self.id && m.name !== '');
    if (published !== undefined) {
      process.stdout.write(`member ${name} (${self.id}) started and joined cluster ${clusterId}; client URLs ${published.clientURLs.join(',') || '(none)'}\n`);
      return 0;
    }
    if (Date.now() > deadline) return fail(`member ${name} started but has not caught up with the cluster in 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function messageOf(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body;
  } catch {
    return body;
  }
}

function fail(message: string): number {
  process.stderr.write(`edgecd: ${message}\n`);
  return 1;
}
