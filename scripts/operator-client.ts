import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * The CLI's side of a deployed cluster's operator routes (src/worker/operator-routes.ts): HTTP
 * basic credentials, and a CA file for a private certificate (etcdctl's --cacert), on node's
 * own http/https clients, which take a CA per request.
 */
export interface OperatorEndpoint {
  url: string;
  /** `user:password`, as etcdctl's --username. */
  username?: string;
  cacert?: string;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function callEndpoint(endpoint: OperatorEndpoint, method: string, path: string): Promise<Answer> {
  const target = new URL(path, endpoint.url);
  const secure = target.protocol === 'https:';
  const headers: Record<string, string> = {};
  if (endpoint.username !== undefined) headers['Authorization'] = `Basic ${Buffer.from(endpoint.username).toString('base64')}`;
  const options = { method, headers, ...(secure && endpoint.cacert !== undefined ? { ca: readFileSync(endpoint.cacert) } : {}) };
  return new Promise((resolvePromise, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(target, options, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', (error) => reject(new Error(`cannot reach ${endpoint.url}: ${error.message}`)));
    req.end();
  });
}
