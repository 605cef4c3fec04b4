import { request as httpRequest } from 'node:http';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';

/**
 * The v3 gateway inside a launched edgecd (workerd, the front door, a member's own port): what
 * does not need the member's v3 server is compared with real etcd 3.4 directly (the mux's 404,
 * 405, verbs, the `/v3` redirect, `/v3beta` and `/v3alpha`, OPTIONS, decode errors, headers), and
 * WebSockets are upgraded through the front door. Until the member serves V3Api, a call the
 * gateway would make answers as grpc-go does for a service it does not have.
 */

interface Seen {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const HEADERS = ['content-type', 'location', 'x-content-type-options', 'access-control-allow-origin', 'access-control-allow-methods', 'access-control-allow-headers', 'sec-websocket-version'];

/** One raw HTTP/1.1 request (node:http: the path and headers go out as written, Upgrade included). */
function see(base: string, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Seen> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port, method, path, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        const seen: Seen = { status: response.statusCode ?? 0, headers: {}, body: text };
        for (const name of HEADERS) {
          const value = response.headers[name];
          if (typeof value === 'string') seen.headers[name] = value;
        }
        resolve(seen);
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Requests whose answer does not depend on a v3 server behind the gateway. */
const SAME: [string, string, (string | undefined)?, Record<string, string>?][] = [
  ['GET', '/v3/kv/range'],
  ['HEAD', '/v3/kv/range'],
  ['PUT', '/v3/kv/put', '{}'],
  ['DELETE', '/v3/watch'],
  ['POST', '/v3/kv/nothing', '{}'],
  ['POST', '/v3/', '{}'],
  ['POST', '/v3/kv/range/', '{}'],
  ['POST', '/v3/kv/range:get', '{}'],
  ['POST', '/v3/auth/status', '{}'],
  ['GET', '/v3beta'],
  ['POST', '/v3beta/', '{}'],
  ['POST', '/v3beta/kv/nothing', '{}'],
  ['POST', '/v3alpha/kv/range', '{}'],
  ['OPTIONS', '/v3/kv/range'],
  ['POST', '/v3/kv/range', 'garbage'],
  ['POST', '/v3/kv/range', '{"key":"Zm9"}'],
  ['POST', '/v3beta/kv/range', '{"limit":"5x"}'],
  ['POST', '/v3/kv/%72ange', '{"key":1}'],
  ['POST', '/v3/kv/txn', '{"compare":{}}'],
  ['POST', '/v3/watch', '{"create_request":{"key":1}}'],
  ['POST', '/v3/lease/keepalive', '{"ID":x}'],
  ['POST', '/v3/kv/range', '{"key":"Zm9v"}', { 'Grpc-Timeout': '1' }],
  ['POST', '/v3/kv/range', '{"key":"Zm9v"}', { 'Grpc-Metadata-Trace-Bin': 'a=' }],
  ['POST', '/v3/kv/range', '{}', { 'X-HTTP-Method-Override': 'GET', 'Content-Type': 'application/x-www-form-urlencoded' }],
  ['GET', '/v3/watch', undefined, { Connection: 'Upgrade', Upgrade: 'websocket' }],
  // Not compared: a POST with a full WebSocket handshake, which etcd refuses 405 (gorilla takes
  // only GET) and workerd answers 500 itself before any worker code runs.
];

function messagesOf(url: string, send: string[], quietMs = 500): Promise<{ messages: string[]; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url);
    const messages: string[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.terminate();
      resolve({ messages, closed });
    };
    const quiet = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => done(false), quietMs);
    };
    socket.on('open', () => {
      for (const message of send) socket.send(message);
      quiet();
    });
    socket.on('message', (data: WebSocket.RawData) => {
      messages.push(data.toString());
      quiet();
    });
    socket.on('close', () => done(true));
    socket.on('error', () => done(true));
  });
}

describe('the v3 gateway in a launched edgecd', () => {
  let edgecd: LaunchedCluster;
  let etcd: RealEtcdCluster;

  beforeAll(async () => {
    [edgecd, etcd] = await Promise.all([launchCluster(), startRealEtcd()]);
  });

  afterAll(async () => {
    await Promise.all([edgecd?.destroy(), etcd?.stop()]);
  });

  for (const [method, path, body, headers] of SAME) {
    it(`answers ${method} ${path} ${body ?? ''} ${headers === undefined ? '' : JSON.stringify(headers)} as etcd does`, async () => {
      const [ours, theirs] = await Promise.all([see(edgecd.url, method, path, body, headers), see(etcd.clientURLs[0]!, method, path, body, headers)]);
      expect(ours).toEqual(theirs);
    });
  }

  // The front door's stub fetch follows redirects (its Request keeps the default 'follow'), so
  // through it `/v3` arrives at `/v3/` (404) until leader-router.ts forwards with redirect: 'manual'.
  for (const [method, path] of [['GET', '/v3'], ['POST', '/v3?a=1&b=<']] as const) {
    it(`redirects ${method} ${path} to /v3/ on a member's own client URL, as etcd does`, async () => {
      const [ours, theirs] = await Promise.all([see(edgecd.memberURLs[0]!, method, path), see(etcd.clientURLs[0]!, method, path)]);
      expect(ours).toEqual(theirs);
    });
  }

  it("answers the same on a member's own client URL", async () => {
    const [ours, theirs] = await Promise.all([see(edgecd.memberURLs[1]!, 'POST', '/v3/kv/range', '{"key":1}'), see(etcd.clientURLs[0]!, 'POST', '/v3/kv/range', '{"key":1}')]);
    expect(ours).toEqual(theirs);
  });

  it('serves the calls through the front door: a range of a missing key is an empty answer with a header', async () => {
    const seen = await see(edgecd.url, 'POST', '/v3/kv/range', '{"key":"Zm9v"}');
    expect(seen.status).toBe(200);
    expect(JSON.parse(seen.body)).toMatchObject({ header: { cluster_id: expect.any(String), member_id: expect.any(String), raft_term: expect.any(String) } });
  });

  it('upgrades a WebSocket through the front door, one message per answer line', async () => {
    const [ours, theirs] = await Promise.all([messagesOf(`${edgecd.url.replace('http', 'ws')}/v3/nothing`, ['{}']), messagesOf(`${etcd.clientURLs[0]!.replace('http', 'ws')}/v3/nothing`, ['{}'])]);
    expect(ours).toEqual(theirs);
    expect(ours).toEqual({ messages: ['Not Found'], closed: true });
    const decodeError = await messagesOf(`${edgecd.url.replace('http', 'ws')}/v3beta/kv/range`, ['{"key":1}']);
    expect(decodeError).toEqual(await messagesOf(`${etcd.clientURLs[0]!.replace('http', 'ws')}/v3beta/kv/range`, ['{"key":1}']));
  });

  it('tells Patroni to use /v3 (it picks the prefix from etcdcluster in /version)', async () => {
    const version = (await (await fetch(`${edgecd.url}/version`)).json()) as { etcdcluster: string };
    const [major, minor] = version.etcdcluster.split('.').map(Number);
    expect(major! > 3 || (major === 3 && minor! >= 4)).toBe(true);
  });
});
