import { createServer, request as httpRequest, type Server } from 'node:http';
import { chmod, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The local launcher's control channel: a Unix socket in the data dir (no port to collide with)
 * through which `edgecd member ...` and tests reach the members' internal routes. It exists only
 * in the local launcher; a deployed worker never forwards those routes.
 */
export function controlSocketPath(dataDir: string): string {
  return join(dataDir, 'control.sock');
}

export type ControlHandler = (method: string, path: string, body: string) => Promise<{ status: number; body: string }>;

export async function serveControl(dataDir: string, handler: ControlHandler): Promise<Server> {
  const socket = controlSocketPath(dataDir);
  await rm(socket, { force: true });
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      handler(req.method ?? 'GET', req.url ?? '/', body).then(
        (out) => res.writeHead(out.status, { 'Content-Type': 'application/json' }).end(out.body),
        (error: unknown) => res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: String(error) })),
      );
    });
  });
  await new Promise<void>((resolvePromise) => server.listen(socket, resolvePromise));
  // Whoever can connect can wipe a member: only the launcher's user may (Linux checks the socket
  // file's write bit on connect; under the usual umask 022 nobody else could write it before this).
  await chmod(socket, 0o600);
  return server;
}

/** Calls the control channel of the launcher running on `dataDir`. */
export function callControl(dataDir: string, method: string, path: string, body = ''): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest({ socketPath: controlSocketPath(dataDir), method, path, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', (error) =>
      reject(new Error(`no edgecd is running on data dir ${dataDir} (${(error as NodeJS.ErrnoException).code ?? error.message})`)),
    );
    req.end(body);
  });
}
