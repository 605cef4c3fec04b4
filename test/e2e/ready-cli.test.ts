import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromFlagsAndEnv } from '../../scripts/etcd-env.ts';
import { freePort } from '../../scripts/free-port.ts';
import { humanLine } from '../../scripts/log-format.ts';
import { edgecd, run } from '../helpers/commands.ts';

const projectRoot = join(import.meta.dirname, '..', '..');

/** `edgecd start` with only the environment (and `args`) given, until its banner; then Ctrl-C. */
async function startAndStop(env: Record<string, string>, args: string[] = []): Promise<{ output: string; code: number | null }> {
  const child = spawn(process.execPath, [join(projectRoot, 'bin/edgecd.mjs'), 'start', ...args], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 60_000;
  while (!output.includes('edgecd serving') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGINT');
  return { output, code: await exited };
}

describe('edgecd --version', () => {
  it("prints as etcd --version does, naming the etcd API it serves and what it runs on", async () => {
    const ours = await edgecd('--version');
    const etcd = await run('etcd', ['--version']);
    const lines = ours.stdout.trim().split('\n');
    // The line tools read (`etcd Version: 3.4.x`) is the one real etcd prints.
    expect(lines[0]).toBe(etcd.stdout.split('\n')[0]);
    expect(lines.slice(1).map((l) => l.split(':')[0])).toEqual(['edgecd Version', 'Git SHA', 'Node Version', 'workerd Version', 'Node OS/Arch']);
    expect(ours.stdout).toMatch(/^workerd Version: 1\.\d{8}\.\d+$/m);
    expect(ours.code).toBe(0);
  });
});

describe('edgecd start flags and ETCD_* variables', () => {
  it('reads every flag from its ETCD_* variable, a flag on the command line winning, and warns as etcd does', () => {
    const { values, warnings } = fromFlagsAndEnv(
      ['data-dir', 'heartbeat-interval', 'log-level'],
      { 'heartbeat-interval': '100' },
      { ETCD_DATA_DIR: '/d', ETCD_HEARTBEAT_INTERVAL: '50', ETCD_LOG_LEVEL: '', ETCD_FOO: '1', ETCDCTL_API: '2' },
    );
    expect(values).toEqual({ 'data-dir': '/d', 'heartbeat-interval': '100' });
    expect(warnings).toEqual([
      'environment variable ETCD_HEARTBEAT_INTERVAL=50 is shadowed by the command-line flag --heartbeat-interval',
      'unrecognized environment variable ETCD_FOO=1',
    ]);
  });

  it('prints a zap line as capnslog does for a person, and leaves other lines alone', () => {
    const zap = JSON.stringify({ level: 'info', ts: '2026-01-02T03:04:05.678Z', member: 'node1', msg: 'starting local member', id: 'a1', 'client-urls': ['http://x'] });
    expect(humanLine(zap)).toBe('2026-01-02 03:04:05.678000 I | node1: starting local member id=a1 client-urls=["http://x"]');
    expect(humanLine('workerd: something')).toBe('workerd: something');
  });

  it('starts from ETCD_* variables alone, logging zap JSON lines when not in a terminal', async () => {
    const port = await freePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'edgecd-env-'));
    try {
      const members = [await freePort(), await freePort(), await freePort()];
      const { output, code } = await startAndStop({
        ETCD_PORT: String(port),
        ETCD_MEMBER_PORTS: members.join(','),
        ETCD_DATA_DIR: dataDir,
        ETCD_INITIAL_CLUSTER_TOKEN: 'from-env',
        ETCD_SOMETHING_ELSE: 'x',
      });
      expect(output).toContain(`edgecd serving the etcd v2 and v3 APIs on http://127.0.0.1:${port}`);
      expect(output).toContain('edgecd: unrecognized environment variable ETCD_SOMETHING_ELSE=x');
      const zap = output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(zap.length).toBeGreaterThan(5);
      for (const line of zap) {
        expect(Object.keys(line).slice(0, 4)).toEqual(['level', 'ts', 'member', 'msg']);
        expect(line.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }
      expect(zap.map((l) => l.msg)).toContain('published local member to cluster through raft');
      expect(code).toBe(0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('logs for a person when started in a terminal (capnslog lines by default on a TTY)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'edgecd-tty-'));
    try {
      const ports = `--port ${await freePort()} --member-ports ${[await freePort(), await freePort(), await freePort()].join(',')}`;
      // util-linux's script(1) gives the command a pseudo-terminal; timeout stops it as Ctrl-C would.
      const command = `timeout -s INT 15 ${process.execPath} bin/edgecd.mjs start --data-dir ${dataDir} ${ports}`;
      const { stdout } = await run('script', ['-qec', command, '/dev/null'], { timeoutMs: 40_000 });
      expect(stdout).toContain('edgecd serving');
      expect(stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} I \| node\d: starting local member /m);
      expect(stdout).not.toContain('{"level"');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('prints capnslog lines with --logger capnslog, and only warnings and worse with --log-level warn', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'edgecd-log-'));
    const ports = async () => ['--port', String(await freePort()), '--member-ports', [await freePort(), await freePort(), await freePort()].join(',')];
    try {
      const human = await startAndStop({}, ['--data-dir', join(dataDir, 'a'), '--logger', 'capnslog', ...(await ports())]);
      expect(human.output).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} I \| node\d: ready to serve client requests id=[0-9a-f]+$/m);
      expect(human.output).not.toMatch(/^\{"level"/m);
      const quiet = await startAndStop({}, ['--data-dir', join(dataDir, 'b'), '--log-level', 'warn', ...(await ports())]);
      expect(quiet.output).toContain('edgecd serving');
      expect(quiet.output).not.toContain('"level":"info"');
      const wrong = await edgecd('start', '--logger', 'json');
      expect(wrong).toMatchObject({ code: 2, stderr: 'edgecd: unknown logger option "json" (zap or capnslog)\n' });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
