/**
 * The abuse run's legitimate client, in a process of its own (forked by abuse-run.ts): its
 * latencies must be edgecd's, not those of an event loop it shares with the abusers (a real
 * legitimate client is not on the abusers' machine). One request every 1/rate s, in turn v2 put,
 * v2 get, v3 put, v3 range, each timed and sorted into the phase it was sent in. Messages from
 * the parent set the phase; at `done` it waits for what is in flight and sends its report.
 */
import { b64, call } from './traffic.ts';

export type LegitPhase = 'quiet' | 'opening' | 'abused' | 'done';

export interface LegitReport {
  samples: { quiet: number[]; abused: number[] };
  /** Acknowledged writes: `v2:/legit/k0` or `v3:legit/k2`, and the value written. */
  acknowledged: [string, string][];
  failed: number;
  failures: Record<string, number>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function run(url: string, rate: number): Promise<void> {
  let phase = 'quiet' as LegitPhase;
  process.on('message', (message: LegitPhase) => {
    phase = message;
  });
  const report: LegitReport = { samples: { quiet: [], abused: [] }, acknowledged: [], failed: 0, failures: {} };
  const inFlight = new Set<Promise<void>>();
  const one = async (i: number): Promise<void> => {
    const at = phase;
    const key = `legit/k${i}`;
    let answer;
    switch (i % 4) {
      case 0:
        answer = await call(`${url}/v2/keys/${key}`, { method: 'PUT', body: `value=v${i}`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
        if (answer.status === 201 || answer.status === 200) report.acknowledged.push([`v2:/${key}`, `v${i}`]);
        break;
      case 1:
        answer = await call(`${url}/v2/keys/legit/k${i - 1}`);
        break;
      case 2:
        answer = await call(`${url}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: b64(key), value: b64(`v${i}`) }) });
        if (answer.status === 200) report.acknowledged.push([`v3:${key}`, `v${i}`]);
        break;
      default:
        answer = await call(`${url}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: b64(`legit/k${i - 1}`) }) });
    }
    // A read may come before the write it reads has been answered: 404 / no kvs is a right answer.
    if ((answer.status < 200 || answer.status >= 300) && !(i % 2 === 1 && answer.status === 404)) {
      report.failed++;
      const failure = `${answer.status} ${answer.body.slice(0, 80)}`;
      report.failures[failure] = (report.failures[failure] ?? 0) + 1;
    }
    // Requests sent while the idle polls are being opened count in neither phase (see abuse-run.ts).
    if (at === 'quiet' || at === 'abused') report.samples[at].push(answer.ms);
  };
  const period = 1000 / rate;
  const began = performance.now();
  for (let n = 0; phase !== 'done'; ) {
    const p = one(n++).finally(() => inFlight.delete(p));
    inFlight.add(p);
    const due = began + n * period - performance.now();
    if (due > 0) await sleep(due);
  }
  await Promise.all(inFlight);
  process.send!(report, () => process.exit(0));
}

const [url, rate] = process.argv.slice(2);
await run(url!, Number(rate));
