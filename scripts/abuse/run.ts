/**
 * `npm run abuse [-- --duration 600] [--quiet 60] [--idle-polls 3000] [--max-watchers 2000]`:
 * the abuse run of scripts/abuse/abuse-run.ts on a fresh local cluster, figures printed at the end.
 */
import { parseArgs } from 'node:util';
import { runAbuse } from './abuse-run.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '600' },
    quiet: { type: 'string', default: '60' },
    'idle-polls': { type: 'string', default: '3000' },
    'max-watchers': { type: 'string', default: '2000' },
    'tree-keys': { type: 'string', default: '10000' },
    rate: { type: 'string', default: '40' },
    json: { type: 'string' },
  },
});
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const report = await runAbuse(
  {
    abuseMs: Number(values.duration) * 1000,
    quietMs: Number(values.quiet) * 1000,
    idlePolls: Number(values['idle-polls']),
    maxWatchers: Number(values['max-watchers']),
    treeKeys: Number(values['tree-keys']),
    legitRate: Number(values.rate),
  },
  log,
);
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
const ok = report.ratio <= 2 && report.leaderChanges === 0 && report.termAfter === report.termBefore && report.lostWrites === 0;
process.stdout.write(
  `\nquiet p99 ${report.quietP99Ms.toFixed(1)} ms, abused p99 ${report.abusedP99Ms.toFixed(1)} ms, ratio ${report.ratio.toFixed(2)} (goal <= 2); ` +
    `leader changes ${report.leaderChanges}, term ${report.termBefore} -> ${report.termAfter}; lost ${report.lostWrites}/${report.acknowledgedWrites}: ${ok ? 'PASS' : 'FAIL'}\n`,
);
if (values.json !== undefined) {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
}
process.exitCode = ok ? 0 : 1;
