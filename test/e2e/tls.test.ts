import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/free-port.ts';
import { curl, eventually, run } from '../helpers/commands.ts';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';

/**
 * `edgecd start` with etcd's client TLS flags, driven by curl, etcdctl (v2 and v3, gRPC over TLS)
 * and python-etcd, with certificates made by openssl as an operator would; the refusals compared
 * with real etcd 3.4 started with the same certificates.
 */

const PYTHON = '/usr/bin/python3';
let dir: string;
const file = (name: string): string => join(dir, name);

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

/** A CA, a server certificate for 127.0.0.1 and localhost, and a client certificate, all signed by it. */
async function makeCertificates(): Promise<void> {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '1', '-subj', '/CN=edgecd-test-ca');
  await writeFile(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await writeFile(file('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, cn] of [['server', '127.0.0.1'], ['client', 'client']] as const) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/CN=${cn}`);
    openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file(`${name}.crt`), '-days', '1', '-extfile', file(`${name}.ext`));
  }
}

const https = (url: string): string => url.replace(/^http:/, 'https:');
const clientCert = (): string[] => ['--cert', file('client.crt'), '--key', file('client.key')];

function etcdctl3(endpoint: string, ...args: string[]): ReturnType<typeof run> {
  return run('etcdctl', ['--endpoints', endpoint, '--cacert', file('ca.crt'), '--dial-timeout', '2s', '--command-timeout', '4s', ...args], { env: { ETCDCTL_API: '3' } });
}

function etcdctl2(endpoint: string, ...args: string[]): ReturnType<typeof run> {
  return run('etcdctl', ['--endpoints', endpoint, '--ca-file', file('ca.crt'), ...args], { env: { ETCDCTL_API: '2' } });
}

/** What the server writes back to a plain HTTP request sent to its TLS port, until it closes. */
function plainRequest(port: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolvePromise(answer));
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer and no close in 5 s')));
    socket.write('GET /v2/keys/tls HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  });
}

/** Real etcd 3.4, one member, its client URL https with the given TLS flags. */
async function startTLSEtcd(flags: string[]): Promise<{ url: string; process: ChildProcess; stop(): Promise<void> }> {
  const clientPort = await freePort();
  const peerURL = `http://127.0.0.1:${await freePort()}`;
  const url = `https://127.0.0.1:${clientPort}`;
  const child = spawn(
    'etcd',
    ['--enable-v2', '--name=oracle', `--data-dir=${file('oracle')}`, `--listen-client-urls=${url}`, `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peerURL}`, `--initial-advertise-peer-urls=${peerURL}`, `--initial-cluster=oracle=${peerURL}`, '--logger=zap', '--log-outputs=stderr', ...flags],
    { stdio: 'ignore' },
  );
  const up = await eventually(() => curl('--cacert', file('ca.crt'), ...clientCert(), `${url}/health`), (r) => r.stdout.includes('"health":"true"'), 20_000);
  if (!up.stdout.includes('"health":"true"')) throw new Error(`real etcd with TLS did not come up: ${up.stderr}`);
  return {
    url,
    process: child,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await rm(file('oracle'), { recursive: true, force: true });
    },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgecd-tls-'));
  await makeCertificates();
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('edgecd start --cert-file --key-file', () => {
  let cluster: LaunchedCluster;
  let url: string;
  beforeAll(async () => {
    cluster = await launchCluster({ args: ['--cert-file', file('server.crt'), '--key-file', file('server.key'), '--peer-cert-file', file('server.crt')] });
    url = https(cluster.url);
  });
  afterAll(async () => cluster?.destroy());

  it('announces https URLs and says the peer flag has no effect', () => {
    expect(cluster.output()).toContain(`edgecd serving the etcd v2 and v3 APIs on ${url}`);
    for (const member of cluster.memberURLs) expect(cluster.output()).toContain(`client=${https(member)}`);
    expect(cluster.output()).toContain('--peer-cert-file has no effect');
  });

  it('serves the v2 API and the v3 gateway to curl --cacert, on the front door and a member port', async () => {
    const put = await curl('--cacert', file('ca.crt'), `${url}/v2/keys/tls`, '-XPUT', '-d', 'value=secure');
    expect(JSON.parse(put.stdout)).toMatchObject({ action: 'set', node: { key: '/tls', value: 'secure' } });
    const get = await curl('--cacert', file('ca.crt'), `${https(cluster.memberURLs[0]!)}/v2/keys/tls?quorum=true`);
    expect(JSON.parse(get.stdout)).toMatchObject({ action: 'get', node: { value: 'secure' } });
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    // localhost too: the certificate's DNS name.
    const v3url = url.replace('127.0.0.1', 'localhost');
    await curl('--cacert', file('ca.crt'), `${v3url}/v3/kv/put`, '-d', JSON.stringify({ key: b64('tls3'), value: b64('v3') }));
    const range = JSON.parse((await curl('--cacert', file('ca.crt'), `${v3url}/v3/kv/range`, '-d', JSON.stringify({ key: b64('tls3') }))).stdout) as { kvs: { value: string }[] };
    expect(Buffer.from(range.kvs[0]!.value, 'base64').toString()).toBe('v3');
    // Without the CA the certificate is not trusted: curl refuses it (exit 60).
    expect((await curl(`${url}/version`)).code).toBe(60);
  });

  it('closes a plain HTTP request without answering, as etcd 3.4 does', async () => {
    expect(await plainRequest(cluster.port)).toBe('');
    expect((await curl(cluster.url + '/v2/keys/tls')).code).toBe(52);
    const etcd = await startTLSEtcd(['--cert-file', file('server.crt'), '--key-file', file('server.key')]);
    try {
      expect(await plainRequest(Number(new URL(etcd.url).port))).toBe('');
      expect((await curl(etcd.url.replace('https:', 'http:') + '/v2/keys/tls')).code).toBe(52);
    } finally {
      await etcd.stop();
    }
  });

  it('serves etcdctl v2 --ca-file: set, get after endpoint sync, member list with https client URLs', async () => {
    expect((await etcdctl2(url, 'set', '/v2tls', 'one')).stdout).toBe('one\n');
    // etcdctl v2 syncs its endpoints from the member list before each command: the https URLs.
    const get = await etcdctl2(url, 'get', '/v2tls');
    expect(get).toMatchObject({ code: 0, stdout: 'one\n' });
    const members = await etcdctl2(url, 'member', 'list');
    expect(members.code).toBe(0);
    for (const member of cluster.memberURLs) expect(members.stdout).toContain(`clientURLs=${https(member)}`);
    const health = await etcdctl2(url, 'cluster-health');
    expect(health.stdout).toContain('cluster is healthy');
  });

  it('serves etcdctl v3 --cacert over gRPC with TLS: put, get, watch, member list', async () => {
    expect((await etcdctl3(url, 'put', 'k3', 'v1')).stdout).toBe('OK\n');
    expect((await etcdctl3(https(cluster.memberURLs[1]!), 'get', 'k3')).stdout).toBe('k3\nv1\n');
    const watch = run('etcdctl', ['--endpoints', url, '--cacert', file('ca.crt'), 'watch', 'k3'], { env: { ETCDCTL_API: '3' }, timeoutMs: 6_000 });
    await new Promise((r) => setTimeout(r, 1_500));
    await etcdctl3(url, 'put', 'k3', 'v2');
    expect((await watch).stdout).toContain('PUT\nk3\nv2\n');
    const members = await etcdctl3(url, 'member', 'list');
    for (const member of cluster.memberURLs) expect(members.stdout).toContain(`, ${https(member)}, `);
    // Endpoints taken from the member list work as given.
    const status = await etcdctl3(url, 'endpoint', 'status', '--cluster');
    expect(status.code).toBe(0);
    expect(status.stdout.trim().split('\n')).toHaveLength(3);
  });

  it('serves python-etcd with protocol https and ca_cert', async () => {
    const script = [
      'import etcd, sys',
      `c = etcd.Client(host='127.0.0.1', port=${cluster.port}, protocol='https', ca_cert=sys.argv[1], allow_reconnect=True)`,
      "c.write('/py/tls', 'from python')",
      "print(c.read('/py/tls').value)",
      "print(' '.join(sorted(c.machines)))",
    ].join('\n');
    const result = await run(PYTHON, ['-c', script, file('ca.crt')]);
    expect(result.stderr).toBe('');
    const [value, machines] = result.stdout.trim().split('\n');
    expect(value).toBe('from python');
    expect(machines).toBe(cluster.memberURLs.map(https).sort().join(' '));
  });
});

describe('edgecd start with ETCD_TRUSTED_CA_FILE and ETCD_CLIENT_CERT_AUTH', () => {
  let cluster: LaunchedCluster;
  let url: string;
  const env = (): Record<string, string> => ({
    ETCD_CERT_FILE: file('server.crt'),
    ETCD_KEY_FILE: file('server.key'),
    ETCD_TRUSTED_CA_FILE: file('ca.crt'),
    ETCD_CLIENT_CERT_AUTH: 'true',
  });
  beforeAll(async () => {
    // The launcher passes this process's environment on, as a shell would.
    Object.assign(process.env, env());
    try {
      cluster = await launchCluster();
    } finally {
      for (const key of Object.keys(env())) delete process.env[key];
    }
    url = https(cluster.url);
  });
  afterAll(async () => cluster?.destroy());

  it('refuses a handshake without a client certificate and serves one with it, as etcd does', async () => {
    expect(cluster.output()).toContain('client certificates are required');
    const without = await curl('--cacert', file('ca.crt'), `${url}/v2/keys/cc`);
    const withCert = await curl('--cacert', file('ca.crt'), ...clientCert(), `${url}/v2/keys/cc`, '-XPUT', '-d', 'value=ok');
    expect(JSON.parse(withCert.stdout)).toMatchObject({ action: 'set', node: { value: 'ok' } });
    const v3without = await etcdctl3(url, 'get', 'cc');
    const v3with = await etcdctl3(url, ...clientCert(), 'put', 'cc', 'ok');
    const v2without = await etcdctl2(url, 'get', '/cc');
    const v2with = await etcdctl2(url, '--cert-file', file('client.crt'), '--key-file', file('client.key'), 'get', '/cc');
    expect(v3with.stdout).toBe('OK\n');
    expect(v2with.stdout).toBe('ok\n');
    const etcd = await startTLSEtcd(['--cert-file', file('server.crt'), '--key-file', file('server.key'), '--trusted-ca-file', file('ca.crt'), '--client-cert-auth']);
    try {
      const oracle = {
        without: await curl('--cacert', file('ca.crt'), `${etcd.url}/v2/keys/cc`),
        v3without: await etcdctl3(etcd.url, 'get', 'cc'),
        v2without: await etcdctl2(etcd.url, 'get', '/cc'),
      };
      // Both refuse in the handshake. The alert differs (OpenSSL's TLS 1.3 "certificate required",
      // Go's "bad certificate"), so messages are only checked for naming a certificate; curl's exit
      // code is 55 or 56 on either server, by whether its request was sent before the alert came.
      expect([55, 56]).toContain(without.code);
      expect([55, 56]).toContain(oracle.without.code);
      expect(without.stdout).toBe('');
      expect(v3without.code).toBe(oracle.v3without.code);
      expect(v2without.code).toBe(oracle.v2without.code);
      expect(v2without.stderr).toMatch(/tls: .*certificate/);
    } finally {
      await etcd.stop();
    }
    expect(cluster.output()).toMatch(/rejected connection from "127\.0\.0\.1:\d+" \(error "tls: /);
  });

  it('refuses to start on a certificate without its key', async () => {
    const result = await run(process.execPath, ['bin/edgecd.mjs', 'start', '--port', String(await freePort()), '--data-dir', file('never'), '--cert-file', file('server.crt')]);
    expect(result).toMatchObject({ code: 2, stderr: 'edgecd: --cert-file and --key-file must be given together\n' });
    const mismatched = await run(process.execPath, ['bin/edgecd.mjs', 'start', '--port', String(await freePort()), '--data-dir', file('never'), '--cert-file', file('server.crt'), '--key-file', file('client.key')]);
    expect(mismatched.code).toBe(2);
    expect(mismatched.stderr).toBe(`edgecd: --cert-file ${file('server.crt')} with --key-file ${file('client.key')}: key values mismatch\n`);
  });
});
