import { Miniflare } from 'miniflare';
import { dirname, join, resolve } from 'node:path';
import { bundleWorker } from './bundle.ts';

/** Pinned with wrangler.toml's `compatibility_date`. */
export const COMPATIBILITY_DATE = '2026-04-26';

export interface LocalClusterOptions {
  /** Where members persist their storage (etcd's `--data-dir`). */
  dataDir: string;
  /** Front-door port on 127.0.0.1 (etcd's client port, 2379 by default). */
  port: number;
  host?: string;
  initialCluster?: string;
  initialClusterToken?: string;
}

export interface LocalCluster {
  /** The front door's URL, e.g. `http://127.0.0.1:2379`. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Hosts the worker and its Member objects in workerd through Miniflare's Node API. The front door
 * is a direct workerd socket (`unsafeDirectSockets`): no Node proxy sits in the request path.
 */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const dataDir = resolve(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  const scriptPath = await bundleWorker(join(dataDir, 'build'));
  const mf = new Miniflare({
    host: '127.0.0.1',
    port: 0,
    durableObjectsPersist: join(dataDir, 'members'),
    workers: [
      {
        name: 'edgecd',
        modules: true,
        scriptPath,
        // Module names are paths relative to this root; workerd refuses ones that climb out of it.
        modulesRoot: dirname(scriptPath),
        compatibilityDate: COMPATIBILITY_DATE,
        durableObjects: { MEMBER: { className: 'Member', useSQLite: true } },
        bindings: {
          INITIAL_CLUSTER:
            options.initialCluster ??
            'node1=http://node1:2380,node2=http://node2:2380,node3=http://node3:2380',
          INITIAL_CLUSTER_TOKEN: options.initialClusterToken ?? 'edgecd-cluster',
        },
        unsafeDirectSockets: [{ host, port: options.port }],
      },
    ],
  });
  await mf.ready;
  return {
    url: `http://${host}:${options.port}`,
    stop: () => mf.dispose(),
  };
}
