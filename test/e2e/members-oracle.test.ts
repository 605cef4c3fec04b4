import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';

/**
 * The members API's writes and errors, differentially against real etcd 3.4. Member IDs and the
 * clusters' own URLs differ by nature; they are masked, everything else must be equal.
 */

interface Call {
  name: string;
  method: string;
  path: string | ((side: Side) => string);
  contentType?: string;
  body?: string | ((side: Side) => string);
}

interface Side {
  url: string;
  /** A peer URL of a current member of this cluster. */
  peerURL: string;
  added: string[];
}

const json = 'application/json';
const CALLS: Call[] = [
  { name: 'no content type', method: 'POST', path: '/v2/members', body: '{}' },
  { name: 'form content type', method: 'POST', path: '/v2/members', contentType: 'application/x-www-form-urlencoded', body: '{}' },
  { name: 'JSON in capitals, no parameters', method: 'POST', path: '/v2/members', contentType: 'Application/JSON', body: '{}' },
  { name: 'empty body', method: 'POST', path: '/v2/members', contentType: json, body: '' },
  { name: 'not JSON', method: 'POST', path: '/v2/members', contentType: json, body: 'xyz' },
  { name: 'trailing garbage', method: 'POST', path: '/v2/members', contentType: json, body: '{"peerURLs":["http://10.0.0.9:2380"]} x' },
  { name: 'no URLs', method: 'POST', path: '/v2/members', contentType: json, body: '{}' },
  { name: 'empty URL list', method: 'POST', path: '/v2/members', contentType: json, body: '{"peerURLs":[]}' },
  { name: 'URLs as a string', method: 'POST', path: '/v2/members', contentType: json, body: '{"peerURLs":"http://a:1"}' },
  { name: 'ftp URL', method: 'POST', path: '/v2/members', contentType: json, body: '{"peerURLs":["ftp://a:1"]}' },
  { name: 'URL without port', method: 'POST', path: '/v2/members', contentType: json, body: '{"peerURLs":["http://a"]}' },
  { name: 'URL with a path', method: 'POST', path: '/v2/members', contentType: json, body: '{"peerURLs":["http://a:1/x"]}' },
  { name: 'peer URL in use', method: 'POST', path: '/v2/members', contentType: json, body: (s) => JSON.stringify({ peerURLs: [s.peerURL] }) },
  { name: 'add, URLs sorted', method: 'POST', path: '/v2/members', contentType: 'Application/JSON; charset=utf-8', body: '{"peerURLs":["http://10.0.0.13:2380","http://10.0.0.12:2380"]}' },
  { name: 'add while a voter is unstarted', method: 'POST', path: '/v2/members', contentType: json, body: '{"peerURLs":["http://10.0.0.14:2380"]}' },
  { name: 'update to a URL in use', method: 'PUT', path: (s) => `/v2/members/${s.added[0]}`, contentType: json, body: (s) => JSON.stringify({ peerURLs: [s.peerURL] }) },
  { name: 'update', method: 'PUT', path: (s) => `/v2/members/${s.added[0]}`, contentType: json, body: '{"peerURLs":["http://10.0.0.20:2380"]}' },
  { name: 'update unknown', method: 'PUT', path: '/v2/members/abcdef', contentType: json, body: '{"peerURLs":["http://10.0.0.21:2380"]}' },
  { name: 'remove the unstarted member', method: 'DELETE', path: (s) => `/v2/members/${s.added[0]}` },
  { name: 'remove it again', method: 'DELETE', path: (s) => `/v2/members/${s.added[0]}` },
  { name: 'remove unknown', method: 'DELETE', path: '/v2/members/ABCDEF' },
  { name: 'remove a non-hex ID', method: 'DELETE', path: '/v2/members/xyz' },
  { name: 'remove without ID', method: 'DELETE', path: '/v2/members' },
  { name: 'remove without ID, slash', method: 'DELETE', path: '/v2/members/' },
  { name: 'unknown method', method: 'PATCH', path: '/v2/members' },
  { name: 'get one member', method: 'GET', path: '/v2/members/abcdef' },
];

async function call(side: Side, c: Call): Promise<{ status: number; headers: Record<string, string | null>; body: string }> {
  const path = typeof c.path === 'function' ? c.path(side) : c.path;
  const body = typeof c.body === 'function' ? c.body(side) : c.body;
  const headers: Record<string, string> = {};
  if (c.contentType !== undefined) headers['content-type'] = c.contentType;
  const response = await fetch(`${side.url}${path}`, { method: c.method, headers, ...(body === undefined ? {} : { body }) });
  let text = await response.text();
  if (response.status === 201) {
    const created = JSON.parse(text) as { id: string };
    side.added.push(created.id);
    text = text.replace(created.id, '<new id>');
  }
  for (const id of side.added) text = text.replaceAll(id, '<added id>');
  return {
    status: response.status,
    headers: {
      'content-type': response.headers.get('content-type'),
      allow: response.headers.get('allow'),
      'x-etcd-cluster-id': response.headers.has('x-etcd-cluster-id') ? '<present>' : null,
    },
    body: text,
  };
}

describe('the members API against real etcd 3.4', () => {
  let edgecd: LaunchedCluster;
  let etcd: RealEtcdCluster;
  const sides: Side[] = [];

  beforeAll(async () => {
    [edgecd, etcd] = await Promise.all([launchCluster(), startRealEtcd({ members: 3 })]);
    sides.push({ url: edgecd.url, peerURL: 'http://node2:2380', added: [] });
    sides.push({ url: etcd.clientURLs[0]!, peerURL: etcd.peerURLs[1]!, added: [] });
    // Both refuse membership changes until every peer has been connected for 5 s.
    await new Promise((r) => setTimeout(r, 6_000));
  });

  afterAll(async () => {
    await Promise.all([edgecd?.destroy(), etcd?.stop()]);
  });

  it(`answers ${CALLS.length} member calls exactly as etcd does`, async () => {
    const differences: string[] = [];
    for (const c of CALLS) {
      const [ours, theirs] = await Promise.all(sides.map((s) => call(s, c)));
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
        differences.push(`${c.name}:\n  edgecd ${JSON.stringify(ours)}\n  etcd   ${JSON.stringify(theirs)}`);
      }
    }
    expect(differences.join('\n')).toBe('');
  });
});
