#!/usr/bin/env node
// Runs before `npm test`. The end-to-end tests compare edgecd with a real etcd 3.4 and drive it
// with real clients, all from Debian's packages:
//   etcd-server   the oracle (etcd 3.4 with --enable-v2)
//   etcd-client   etcdctl, used in v2 mode
//   python3-etcd  python-etcd 0.4.5, for the Python client tests (Debian's /usr/bin/python3)
//   curl          the seed walkthrough's API lines
//   python3-etcd3     python-etcd3 0.12.0 (gRPC), driven through edgecd's gRPC server (test/grpc)
//   python3-etcd3gw   etcd3gw 2.0.0, the v3 JSON gateway client (test/e2e/etcd3gw.test.ts)
//   python3-oslotest  the base class of etcd3gw's upstream functional tests, run unchanged
//   patroni           Patroni 3.0.2, whose etcd3 DCS drives the gateway (test/e2e/patroni.test.ts)
//   postgresql-15     the two PostgreSQL nodes Patroni manages (/usr/lib/postgresql/15/bin)
//   chromium          the console's browser test (headless, driven by playwright-core)
//   prometheus        promtool: /metrics checked, etcd's alert rules evaluated against it
// As root they are installed with apt-get when missing; otherwise this names what to install.
import { spawnSync } from 'node:child_process';

const PACKAGES = ['etcd-server', 'etcd-client', 'python3-etcd', 'python3-etcd3', 'curl', 'python3-etcd3gw', 'python3-oslotest', 'patroni', 'postgresql-15', 'chromium', 'prometheus', 'openssl'];

const works = (command, args) => {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return result.error === undefined && result.status === 0;
};

const missing = () =>
  [
    works('etcd', ['--version']) ? null : 'etcd-server',
    works('etcdctl', ['version']) ? null : 'etcd-client',
    works('/usr/bin/python3', ['-c', 'import etcd']) ? null : 'python3-etcd',
    works('/usr/bin/python3', ['-c', 'import etcd3']) ? null : 'python3-etcd3',
    works('curl', ['--version']) ? null : 'curl',
    works('openssl', ['version']) ? null : 'openssl',
    works('/usr/bin/python3', ['-c', 'import etcd3gw']) ? null : 'python3-etcd3gw',
    works('/usr/bin/python3', ['-c', 'import oslotest.base']) ? null : 'python3-oslotest',
    works('patroni', ['--version']) ? null : 'patroni',
    works('/usr/lib/postgresql/15/bin/postgres', ['--version']) ? null : 'postgresql-15',
    works('chromium', ['--version']) ? null : 'chromium',
    works('promtool', ['--version']) ? null : 'prometheus',
  ].filter((name) => name !== null);

let absent = missing();
if (absent.length === 0) process.exit(0);

if (process.getuid?.() === 0 && works('apt-get', ['--version'])) {
  process.stdout.write(`installing the test dependencies from Debian: ${absent.join(' ')}\n`);
  const run = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  run(['update', '-qq']);
  run(['install', '-y', '-qq', ...PACKAGES]);
  absent = missing();
  if (absent.length === 0) process.exit(0);
}

process.stderr.write(
  `npm test needs real etcd 3.4 and its clients, missing here: ${absent.join(' ')}\n` +
    `install them with: sudo apt-get install -y ${PACKAGES.join(' ')}\n`,
);
process.exit(1);
