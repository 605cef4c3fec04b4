import { request as httpRequest, Agent } from 'node:http';

/** A small HTTP client for the abuse run: status, body, and time taken, never throwing. */
export interface Answer {
  status: number;
  body: string;
  ms: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export function call(url: string, init: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(init.body));
    const req = httpRequest(url, { method: init.method ?? 'GET', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: performance.now() - started }));
      res.on('error', () => resolve({ status: 0, body: '', ms: performance.now() - started }));
    });
    req.setTimeout(init.timeoutMs ?? 30_000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: e.message, ms: performance.now() - started }));
    req.end(init.body);
  });
}

/**
 * An idle v2 long poll on its own connection: resolves with the status once headers arrive (200:
 * a watcher is registered and the request now waits; 429: refused by the watcher cap). `close`
 * drops the connection.
 */
export function idlePoll(url: string): { status: Promise<number>; close(): void } {
  const req = httpRequest(url, { method: 'GET', agent: false });
  const status = new Promise<number>((resolve) => {
    req.on('response', (res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    req.on('error', () => resolve(0));
  });
  req.setTimeout(60_000 * 30, () => req.destroy());
  req.end();
  return { status, close: () => req.destroy() };
}

/**
 * A request declaring `declaredBytes` of body but sending only a little: the front door must
 * answer from the header alone (413), without waiting for (or buffering) the rest.
 */
export function oversizedDeclared(url: string, declaredBytes: number): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { method: 'PUT', agent: false, headers: { 'Content-Length': String(declaredBytes), 'Content-Type': 'application/x-www-form-urlencoded' } });
    req.on('response', (res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      req.destroy();
    });
    req.on('error', () => resolve(0));
    req.setTimeout(10_000, () => req.destroy());
    req.write('value=' + 'x'.repeat(1024));
  });
}

export function p99(samples: number[]): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]!;
}

export const b64 = (text: string): string => Buffer.from(text).toString('base64');
