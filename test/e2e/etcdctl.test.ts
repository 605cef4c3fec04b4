import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';

/**
 * etcdctl 3.4 in v2 mode, unchanged, against edgecd's front door and against a real 3-member
 * etcd: every command's stdout, stderr and exit code must agree once IDs, URLs and absolute
 * indexes are normalised. Both with endpoint sync (etcdctl's default: it reads `/v2/members` and
 * then talks to the advertised client URLs, which on edgecd are the members' own ports) and with
 * `--no-sync` (everything through the given endpoint).
 */

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
}

const COMMAND_TIMEOUT_MS = 15_000;

function etcdctl(endpoint: string, args: string[], sync: boolean): Promise<Run> {
  return runProcess(['--endpoints', endpoint, ...(sync ? [] : ['--no-sync']), ...args]);
}

function runProcess(args: string[], untilLines?: number, trigger?: () => Promise<void>): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('etcdctl', args, { env: { ...process.env, ETCDCTL_API: '2' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let done = false;
    const finish = (code: number | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolvePromise({ stdout, stderr, code });
    };
    const stop = (): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const timer = setTimeout(stop, COMMAND_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // A long-running watch: stop it (by its PID) once it printed what we wait for.
      if (untilLines !== undefined && stdout.split('\n').length - 1 >= untilLines) stop();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    // 'close', not 'exit': 'exit' may come before the last of the child's output has been read.
    child.on('close', (code, signal) => finish(signal === 'SIGKILL' && untilLines !== undefined ? 0 : code));
    if (trigger !== undefined) {
      // Give etcdctl time to start, sync and register its watch before the writes it waits for.
      setTimeout(() => void trigger().catch(reject), 1_500);
    }
  });
}

/** IDs, URLs, and indexes relative to the side's base index. */
function normalise(run: Run, base: number): Run {
  const n = (text: string): string =>
    text
      .replace(/\b[0-9a-f]{16}\b/g, '<id>')
      .replace(/\b[0-9a-f]{13,15}\b(?=[: ])/g, '<id>')
      .replace(/http:\/\/(127\.0\.0\.1:\d+|node\d:2380)/g, '<url>')
      .replace(/name=(node|etcd)\d/g, 'name=<name>')
      .replace(/\b(\d{20})\b/g, (d) => `<${relative(Number(d), base)}>`)
      .replace(/(Index: |\[|!= |"createdIndex":|"modifiedIndex":)(\d+)/g, (_, p: string, d: string) => `${p}${relative(Number(d), base)}`);
  // `member list` is in ID order, and which ID leads is chance: compare it as a set of lines.
  const stdout = n(run.stdout);
  const memberList = /^(<id>: name=.*\n)+$/.test(stdout);
  return { stdout: memberList ? `${stdout.trimEnd().split('\n').sort().join('\n')}\n` : stdout, stderr: n(run.stderr), code: run.code };
}

function relative(index: number, base: number): string {
  return index >= base ? `base+${index - base}` : String(index);
}

type Command = { name: string; args: (p: string) => string[] };

const COMMANDS: Command[] = [
  { name: 'set', args: (p) => ['set', `${p}/a`, '1'] },
  { name: 'get', args: (p) => ['get', `${p}/a`] },
  { name: 'get -o extended', args: (p) => ['-o', 'extended', 'get', `${p}/a`] },
  { name: 'get -o json', args: (p) => ['-o', 'json', 'get', `${p}/a`] },
  { name: 'get missing', args: (p) => ['get', `${p}/missing`] },
  { name: 'update', args: (p) => ['update', `${p}/a`, '2'] },
  { name: 'update missing', args: (p) => ['update', `${p}/missing`, '2'] },
  { name: 'set with swap-with-value', args: (p) => ['set', '--swap-with-value', 'nope', `${p}/a`, '3'] },
  { name: 'mk', args: (p) => ['mk', `${p}/b`, '3'] },
  { name: 'mk existing', args: (p) => ['mk', `${p}/b`, '3'] },
  { name: 'mk --in-order', args: (p) => ['mk', '--in-order', `${p}/q`, 'job1'] },
  { name: 'mk --in-order again', args: (p) => ['mk', '--in-order', `${p}/q`, 'job2'] },
  { name: 'mkdir', args: (p) => ['mkdir', `${p}/d`] },
  { name: 'mkdir existing', args: (p) => ['mkdir', `${p}/d`] },
  { name: 'setdir', args: (p) => ['setdir', `${p}/d2`] },
  { name: 'updatedir', args: (p) => ['updatedir', '--ttl', '100', `${p}/d2`] },
  { name: 'set in a dir', args: (p) => ['set', `${p}/d/x`, 'in-dir'] },
  { name: 'ls', args: (p) => ['ls', '--sort', p] },
  { name: 'ls --recursive --sort -p', args: (p) => ['ls', '--recursive', '--sort', '-p', p] },
  { name: 'ls -o extended', args: (p) => ['-o', 'extended', 'ls', '--sort', `${p}/d`] },
  { name: 'ls missing', args: (p) => ['ls', `${p}/missing`] },
  { name: 'rm --with-value wrong', args: (p) => ['rm', '--with-value', 'nope', `${p}/a`] },
  { name: 'rm --with-value', args: (p) => ['rm', '--with-value', '2', `${p}/a`] },
  { name: 'rm --with-index wrong', args: (p) => ['rm', '--with-index', '1', `${p}/b`] },
  { name: 'rm', args: (p) => ['rm', `${p}/b`] },
  { name: 'rm a dir without --dir', args: (p) => ['rm', `${p}/d`] },
  { name: 'rmdir non-empty', args: (p) => ['rmdir', `${p}/d`] },
  { name: 'rm --recursive', args: (p) => ['rm', '--recursive', `${p}/q`] },
  { name: 'rm --dir', args: (p) => ['rm', '--dir', `${p}/d2`] },
  { name: 'rm --recursive a dir', args: (p) => ['rm', '--recursive', `${p}/d`] },
  { name: 'mkdir for rmdir', args: (p) => ['mkdir', `${p}/e`] },
  { name: 'rmdir', args: (p) => ['rmdir', `${p}/e`] },
  { name: 'cluster-health', args: () => ['cluster-health'] },
  { name: 'member list', args: () => ['member', 'list'] },
];

interface Side {
  endpoint: string;
  base: number;
  write(key: string, value: string): Promise<number>;
}

function side(endpoint: string): Side {
  const write = async (key: string, value: string): Promise<number> => {
    const r = await fetch(`${endpoint}/v2/keys${key}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `value=${encodeURIComponent(value)}`,
    });
    return ((await r.json()) as { node: { modifiedIndex: number } }).node.modifiedIndex;
  };
  return { endpoint, base: 0, write };
}

describe('etcdctl (v2) against edgecd and real etcd 3.4', () => {
  let edgecd: LaunchedCluster;
  let etcd: RealEtcdCluster;
  let ours: Side;
  let theirs: Side;

  beforeAll(async () => {
    [edgecd, etcd] = await Promise.all([launchCluster(), startRealEtcd({ members: 3 })]);
    ours = side(edgecd.url);
    theirs = side(etcd.clientURLs[0]!);
    ours.base = (await ours.write('/etcdctl-base', 'x')) + 1;
    theirs.base = (await theirs.write('/etcdctl-base', 'x')) + 1;
  });

  afterAll(async () => {
    await Promise.all([edgecd?.destroy(), etcd?.stop()]);
  });

  for (const sync of [true, false]) {
    const prefix = sync ? '/sync' : '/nosync';
    it(`prints what etcdctl prints against etcd, ${sync ? 'with endpoint sync' : 'with --no-sync'}`, async () => {
      const differences: string[] = [];
      const printed = new Map<string, Run>();
      for (const command of COMMANDS) {
        const args = command.args(prefix);
        const [a, b] = await Promise.all([etcdctl(ours.endpoint, args, sync), etcdctl(theirs.endpoint, args, sync)]);
        const [o, t] = [normalise(a, ours.base), normalise(b, theirs.base)];
        if (JSON.stringify(o) !== JSON.stringify(t)) differences.push(`${command.name}:\n  edgecd ${JSON.stringify(o)}\n  etcd   ${JSON.stringify(t)}`);
        printed.set(command.name, o);
      }
      expect(differences.join('\n')).toBe('');
      // Not merely equal: the commands did what they say.
      expect(printed.get('get')).toEqual({ stdout: '1\n', stderr: '', code: 0 });
      expect(printed.get('mk existing')!.stderr).toMatch(new RegExp(`^Error:  105: Key already exists \\(${prefix}/b\\) \\[base\\+\\d+\\]\n$`));
      expect(printed.get('mk existing')!.code).toBe(4);
      expect(printed.get('ls --recursive --sort -p')!.stdout.replace(/<base\+\d+>/g, '<n>')).toBe(
        [`${prefix}/a`, `${prefix}/b`, `${prefix}/d/`, `${prefix}/d/x`, `${prefix}/d2/`, `${prefix}/q/`, `${prefix}/q/<n>`, `${prefix}/q/<n>`, ''].join('\n'),
      );
    });

    it(`watches as against etcd, ${sync ? 'with endpoint sync' : 'with --no-sync'}`, async () => {
      const p = `${prefix}-watch`;
      const cases: { name: string; args: (s: Side, first: number) => string[]; lines: number; trigger: (s: Side) => Promise<void> }[] = [
        { name: 'watch', args: () => ['watch', `${p}/w`], lines: 1, trigger: async (s) => void (await s.write(`${p}/w`, 'woken')) },
        {
          name: 'watch --recursive',
          args: () => ['watch', '--recursive', `${p}/rw`],
          lines: 2,
          trigger: async (s) => void (await s.write(`${p}/rw/deep/x`, 'deep')),
        },
        {
          name: 'watch --forever',
          args: () => ['watch', '--forever', `${p}/f`],
          lines: 2,
          trigger: async (s) => {
            await s.write(`${p}/f`, 'one');
            await s.write(`${p}/f`, 'two');
          },
        },
        {
          name: 'watch --after-index (history)',
          // etcdctl waits from after-index + 1: this replays the first of the two writes above.
          args: (_s, last) => ['watch', '--after-index', String(last - 2), `${p}/f`],
          lines: 1,
          trigger: async () => undefined,
        },
        {
          // etcdctl's own quirk: its CLI parser keeps `--` only when a flag precedes the key;
          // without one it takes the last argument as the key. So a flag always goes first.
          name: 'exec-watch',
          args: () => ['exec-watch', '--recursive', `${p}/e`, '--', 'sh', '-c', 'echo "$ETCD_WATCH_ACTION $ETCD_WATCH_KEY $ETCD_WATCH_VALUE"'],
          lines: 1,
          trigger: async (s) => void (await s.write(`${p}/e`, 'ran')),
        },
        {
          name: 'exec-watch --recursive',
          args: () => ['exec-watch', '--recursive', `${p}/er`, '--', 'sh', '-c', 'echo "$ETCD_WATCH_ACTION $ETCD_WATCH_KEY $ETCD_WATCH_VALUE"'],
          lines: 1,
          trigger: async (s) => void (await s.write(`${p}/er/k`, 'ran too')),
        },
      ];
      const lastWrite = new Map<Side, number>();
      const differences: string[] = [];
      for (const c of cases) {
        const go = async (s: Side): Promise<Run> => {
          const wrapped = async (): Promise<void> => {
            await c.trigger(s);
          };
          const args = ['--endpoints', s.endpoint, ...(sync ? [] : ['--no-sync']), ...c.args(s, lastWrite.get(s) ?? 0)];
          return runProcess(args, c.lines, wrapped);
        };
        const [a, b] = await Promise.all([go(ours), go(theirs)]);
        if (c.name === 'watch --forever') {
          // The index of the second write under /f, for the history watch that follows.
          for (const s of [ours, theirs]) {
            const r = await fetch(`${s.endpoint}/v2/keys${p}/f`);
            lastWrite.set(s, ((await r.json()) as { node: { modifiedIndex: number } }).node.modifiedIndex);
          }
        }
        const [o, t] = [normalise(a, ours.base), normalise(b, theirs.base)];
        if (JSON.stringify(o) !== JSON.stringify(t)) differences.push(`${c.name}:\n  edgecd ${JSON.stringify(o)}\n  etcd   ${JSON.stringify(t)}`);
        expect(a.stdout.split('\n').length - 1, `${c.name} printed ${JSON.stringify(a)}`).toBeGreaterThanOrEqual(c.lines);
      }
      expect(differences.join('\n')).toBe('');
    });
  }

  it('reports every started member healthy, through the members and their /health', async () => {
    const run = await etcdctl(edgecd.url, ['cluster-health'], true);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    for (const line of lines.slice(0, 3)) expect(line).toMatch(/^member [0-9a-f]{1,16} is healthy: got healthy result from http:\/\/127\.0\.0\.1:\d+$/);
    expect(new Set(lines.slice(0, 3).map((l) => l.split(' ').pop()))).toEqual(new Set(edgecd.memberURLs));
    expect(lines[3]).toBe('cluster is healthy');
  });
});
