import { spawn } from 'node:child_process';

export interface Etcdctl3Run {
  args: string[];
  /** Written to stdin; stdin stays open until the command exits or is stopped. */
  stdin?: string;
  /** Stop it (SIGTERM) after this long: for commands that run until interrupted (watch, elect -l). */
  stopAfterMs?: number;
}

export interface Etcdctl3Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `ETCDCTL_API=3 etcdctl --endpoints <endpoint> ...` (etcdctl 3.4), bounded at 30 s. */
export function etcdctl3(endpoint: string, run: Etcdctl3Run): Promise<Etcdctl3Result> {
  return new Promise((resolvePromise) => {
    const child = spawn('etcdctl', ['--endpoints', endpoint, '--dial-timeout', '3s', '--command-timeout', '10s', ...run.args], {
      env: { ...process.env, ETCDCTL_API: '3' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    if (run.stdin !== undefined) child.stdin.write(run.stdin);
    if (run.stopAfterMs === undefined) child.stdin.end();
    const stop = run.stopAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGTERM'), run.stopAfterMs);
    const bound = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(stop);
      clearTimeout(bound);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/**
 * What may differ between two fresh etcds given the same commands: ports, member and lease IDs,
 * cluster IDs, timings, bbolt's file size, and clientv3's log lines' timestamps and target names. Everything else
 * (keys, values, revisions, versions, counts, error codes and messages, exit codes) is compared.
 */
export function normalise(result: Etcdctl3Result): Etcdctl3Result {
  const text = (s: string): string =>
    s
      .split('\n')
      .map((line) => {
        if (!line.startsWith('{"level"')) return line;
        const log = JSON.parse(line) as { level?: string; msg?: string; error?: string };
        return JSON.stringify({ level: log.level, msg: log.msg, error: log.error });
      })
      .join('\n')
      .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT')
      // Member names and peer URLs are each cluster's own (edgecd's peer URLs name its objects).
      // (listed in member-ID order, which is each cluster's own: sorted)
      .replace(/ETCD_INITIAL_CLUSTER="([^"]*)"/g, (_, list: string) => `ETCD_INITIAL_CLUSTER="${list.split(',').map((m) => (m.startsWith('extra=') ? m : '<name>=<peer-url>')).sort().join(',')}"`)
      .replace(/, started, [^,]+, [^,]+, /g, ', started, <name>, <peer-url>, ')
      .replace(/"name":"[^"]*","peerURLs":\["[^"\]]*"\]/g, '"name":<name>,"peerURLs":[<peer-url>]')
      // IDs in hex: etcdctl drops leading zeros (a lease ID is 13-16 digits).
      .replace(/\b[0-9a-f]{13,16}\b/g, '<hex-id>')
      // etcdctl prints IDs with `%16x`: padded with spaces when shorter.
      .replace(/(Member|cluster) +<hex-id>/g, '$1 <hex-id>')
      .replace(/"(RaftIndex|RaftAppliedIndex)" : \d+/g, '"$1" : <index>')
      .replace(/"(cluster_id|member_id|ID|leader)":"?\d+"?/g, '"$1":<id>')
      .replace(/"(ClusterID|MemberID|Leader|ID)" : \d+/g, '"$1" : <id>')
      // bbolt's file size depends on when it grew its pages, not on the data.
      .replace(/"DBSize" : \d+/g, '"DBSize" : <bytes>')
      .replace(/took = [\d.]+[µmn]?s/g, 'took = <t>')
      .replace(/remaining\(\d+s\)/g, 'remaining(<n>s)');
  return { code: result.code, stdout: text(result.stdout), stderr: text(result.stderr) };
}

/** A watch's printed events (PUT/DELETE, key, value), sorted: the order between two watches is timing. */
export function sortedEvents(stdout: string): string[] {
  const lines = stdout.split('\n').filter((l) => l !== '');
  const blocks: string[] = [];
  for (let i = 0; i < lines.length; ) {
    const end = lines.findIndex((l, j) => j > i && (l === 'PUT' || l === 'DELETE'));
    blocks.push(lines.slice(i, end < 0 ? lines.length : end).join('\n'));
    i = end < 0 ? lines.length : end;
  }
  return blocks.sort();
}
