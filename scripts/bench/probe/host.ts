/**
 * Hosts the platform probe exactly as scripts/local-cluster.ts hosts edgecd: Miniflare's Node
 * API, the worker on a direct workerd socket (`unsafeDirectSockets`, no Node proxy in the
 * path), SQLite-backed objects persisted under the data dir. Run as its own process by the
 * benchmark; prints `probe serving <url>` when ready, stops on SIGINT/SIGTERM.
 *
 *   npx tsx scripts/bench/probe/host.ts --port N --data-dir DIR
 */
import { Miniflare } from 'miniflare';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { COMPATIBILITY_DATE } from '../../local-cluster.ts';
import { bundleWorker } from '../../bundle.ts';
import { LEADER } from './names.ts';

const { values } = parseArgs({ options: { port: { type: 'string' }, 'data-dir': { type: 'string' } }, strict: true });
if (values.port === undefined || values['data-dir'] === undefined) {
  process.stderr.write('usage: host.ts --port N --data-dir DIR\n');
  process.exit(2);
}
const dataDir = resolve(values['data-dir']);
const port = Number(values.port);
const scriptPath = await bundleWorker(join(dataDir, 'build'), join(import.meta.dirname, 'worker.ts'), 'probe.js');
const mf = new Miniflare({
  host: '127.0.0.1',
  port: 0,
  durableObjectsPersist: join(dataDir, 'objects'),
  workers: [
    {
      name: 'probe',
      modules: true,
      scriptPath,
      modulesRoot: dirname(scriptPath),
      compatibilityDate: COMPATIBILITY_DATE,
      durableObjects: { PROBE: { className: 'ProbeMember', useSQLite: true } },
      unsafeDirectSockets: [{ host: '127.0.0.1', port }],
    },
  ],
});
await mf.ready;
// Wake the leader (its table is created on first use, as a member's schema is).
const namespace = await mf.getDurableObjectNamespace('PROBE', 'probe');
await (await namespace.get(namespace.idFromName(LEADER)).fetch('http://probe/ping', { method: 'POST' })).arrayBuffer();
process.stdout.write(`probe serving http://127.0.0.1:${port}\n`);

// As the edgecd launcher does: own the signals, so Miniflare's exit hook does not exit first.
process.removeAllListeners('SIGINT');
process.removeAllListeners('SIGTERM');
await new Promise<void>((resolvePromise) => {
  process.once('SIGINT', () => resolvePromise());
  process.once('SIGTERM', () => resolvePromise());
});
await mf.dispose();
