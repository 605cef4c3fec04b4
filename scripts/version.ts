import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { VERSION } from '../src/http/index.ts';
import { projectRoot } from './bundle.ts';

/**
 * `edgecd --version`, in the shape of `etcd --version` (etcdmain: "etcd Version", "Git SHA",
 * "Go Version", "Go OS/Arch"), the runtime lines naming what edgecd runs on instead of Go:
 *
 *   etcd Version: 3.4.23          the etcd API edgecd serves (what /version reports)
 *   edgecd Version: 0.1.0
 *   Git SHA: 1fd16b4
 *   Node Version: v20.19.8
 *   workerd Version: 1.20260426.1
 *   Node OS/Arch: linux/x64
 */
export async function versionText(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
  const workerd = JSON.parse(await readFile(createRequire(join(projectRoot, 'package.json')).resolve('workerd/package.json'), 'utf8')) as { version: string };
  return [
    `etcd Version: ${VERSION.etcdserver}`,
    `edgecd Version: ${pkg.version}`,
    `Git SHA: ${await gitSha()}`,
    `Node Version: ${process.version}`,
    `workerd Version: ${workerd.version}`,
    `Node OS/Arch: ${process.platform}/${process.arch}`,
    '',
  ].join('\n');
}

/** The checkout's commit, as etcd's build stamps its own ("Not provided" otherwise, as etcd says). */
function gitSha(): Promise<string> {
  return new Promise((resolve) => {
    execFile('git', ['rev-parse', '--short', 'HEAD'], { cwd: projectRoot }, (error, stdout) => {
      resolve(error === null ? stdout.trim() : 'Not provided (not a git checkout)');
    });
  });
}
