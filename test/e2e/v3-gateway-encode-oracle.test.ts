import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';
import { decodeFirst, decodeMessage, encodeMessage, errorBody, messages as m } from '../../src/http/v3/index.ts';
import type { JsonValue } from '../../src/http/v3/go-json-value.ts';
import { streamErrorLine } from '../../src/http/v3/grpc-status.ts';
import type { MessageType } from '../../src/http/v3/proto-schema.ts';
import { readLines } from '../helpers/oracle.ts';

/**
 * The gateway's response encoding against real etcd 3.4's: a script drives etcd through every
 * response message the gateway writes (nested txns, prev_kv, leases with keys, members with and
 * without names, alarms, status, watch events, keep-alives, lock and election, errors); each
 * answer is parsed into rpc.ts's typed form by edgecd's decoder and written again by edgecd's
 * encoder, and must come out byte for byte as etcd wrote it.
 */

type Step = { path: string; body: string; response: MessageType; lines?: number };

const b64 = (text: string): string => Buffer.from(text, 'latin1').toString('base64');

let etcd: RealEtcdCluster;
let url: string;

beforeAll(async () => {
  etcd = await startRealEtcd();
  url = etcd.clientURLs[0]!;
});

afterAll(async () => {
  await etcd?.stop();
});

const LEASE = '7587';

const SCRIPT: Step[] = [
  { path: '/v3/lease/grant', body: `{"TTL":"120","ID":"${LEASE}"}`, response: m.LeaseGrantResponse },
  { path: '/v3/kv/put', body: `{"key":"${b64('a')}","value":"${b64('1')}"}`, response: m.PutResponse },
  { path: '/v3/kv/put', body: `{"key":"${b64('a')}","value":"${b64('<>&"\\\u00ff\u0000')}","prev_kv":true}`, response: m.PutResponse },
  { path: '/v3/kv/put', body: `{"key":"${b64('b/\u0001')}","value":"","lease":"${LEASE}"}`, response: m.PutResponse },
  { path: '/v3/kv/put', body: `{"key":"${b64('c')}","value":"${b64('x'.repeat(300))}","lease":"${LEASE}","prev_kv":true}`, response: m.PutResponse },
  { path: '/v3/kv/put', body: `{"key":"${b64('a')}","ignore_value":true,"prev_kv":true}`, response: m.PutResponse },
  { path: '/v3/kv/range', body: `{"key":"AA==","range_end":"AA=="}`, response: m.RangeResponse },
  { path: '/v3/kv/range', body: `{"key":"AA==","range_end":"AA==","limit":"1"}`, response: m.RangeResponse },
  { path: '/v3/kv/range', body: `{"key":"AA==","range_end":"AA==","keys_only":true,"sort_order":"DESCEND","sort_target":"MOD"}`, response: m.RangeResponse },
  { path: '/v3/kv/range', body: `{"key":"AA==","range_end":"AA==","count_only":true}`, response: m.RangeResponse },
  { path: '/v3/kv/range', body: `{"key":"${b64('nothing')}"}`, response: m.RangeResponse },
  { path: '/v3/kv/range', body: `{"key":"${b64('a')}","revision":"2"}`, response: m.RangeResponse },
  {
    path: '/v3/kv/txn',
    body: `{"compare":[{"key":"${b64('a')}","result":"GREATER","target":"VERSION","version":"0"}],"success":[{"request_range":{"key":"AA==","range_end":"AA=="}},{"request_put":{"key":"${b64('d')}","value":"${b64('v')}","prev_kv":true}},{"request_delete_range":{"key":"${b64('nothing')}"}},{"request_txn":{"success":[{"request_range":{"key":"${b64('d')}"}},{"request_txn":{}}]}}]}`,
    response: m.TxnResponse,
  },
  { path: '/v3/kv/txn', body: `{"compare":[{"key":"${b64('a')}","target":"VALUE","value":"eA=="}],"failure":[{"request_put":{"key":"${b64('d')}","prev_kv":true}}]}`, response: m.TxnResponse },
  { path: '/v3/kv/txn', body: '{}', response: m.TxnResponse },
  { path: '/v3/kv/deleterange', body: `{"key":"${b64('d')}","prev_kv":true}`, response: m.DeleteRangeResponse },
  { path: '/v3/kv/deleterange', body: `{"key":"${b64('nothing')}"}`, response: m.DeleteRangeResponse },
  { path: '/v3/watch', body: `{"create_request":{"key":"AA==","range_end":"AA==","start_revision":"1","prev_kv":true}}`, response: m.WatchResponse, lines: 2 },
  { path: '/v3/watch', body: `{"create_request":{"key":"${b64('a')}","watch_id":"5","progress_notify":true,"filters":["NOPUT"]}}{"progress_request":{}}{"cancel_request":{"watch_id":"5"}}`, response: m.WatchResponse, lines: 3 },
  { path: '/v3/watch', body: `{"create_request":{"key":"${b64('a')}","watch_id":"5"}}{"create_request":{"key":"${b64('a')}","watch_id":"5"}}`, response: m.WatchResponse, lines: 2 },
  { path: '/v3/lease/keepalive', body: `{"ID":"${LEASE}"}{"ID":"1"}`, response: m.LeaseKeepAliveResponse, lines: 2 },
  { path: '/v3/lease/timetolive', body: `{"ID":"${LEASE}","keys":true}`, response: m.LeaseTimeToLiveResponse },
  { path: '/v3/lease/timetolive', body: `{"ID":"1"}`, response: m.LeaseTimeToLiveResponse },
  { path: '/v3/lease/leases', body: '{}', response: m.LeaseLeasesResponse },
  { path: '/v3/lock/lock', body: `{"name":"${b64('lk')}","lease":"${LEASE}"}`, response: m.LockResponse },
  { path: '/v3/lock/unlock', body: `{"key":"${b64(`lk/${Number(LEASE).toString(16)}`)}"}`, response: m.UnlockResponse },
  { path: '/v3/election/campaign', body: `{"name":"${b64('el')}","lease":"${LEASE}","value":"${b64('v1')}"}`, response: m.CampaignResponse },
  { path: '/v3/election/leader', body: `{"name":"${b64('el')}"}`, response: m.LeaderResponse },
  { path: '/v3/election/observe', body: `{"name":"${b64('el')}"}`, response: m.LeaderResponse, lines: 1 },
  { path: '/v3/election/proclaim', body: `{"leader":{"name":"${b64('el')}","key":"${b64(`el/${Number(LEASE).toString(16)}`)}","rev":"1","lease":"${LEASE}"},"value":"eA=="}`, response: m.ProclaimResponse },
  { path: '/v3/cluster/member/list', body: '{}', response: m.MemberListResponse },
  { path: '/v3/cluster/member/add', body: '{"peerURLs":["http://127.0.0.1:2"],"isLearner":true}', response: m.MemberAddResponse },
  { path: '/v3/cluster/member/add', body: '{"peerURLs":["http://127.0.0.1:2"]}', response: m.MemberAddResponse },
  { path: '/v3/cluster/member/add', body: '{"peerURLs":["not a url"]}', response: m.MemberAddResponse },
  { path: '/v3/cluster/member/update', body: '{"ID":"1","peerURLs":["http://127.0.0.1:3"]}', response: m.MemberUpdateResponse },
  { path: '/v3/maintenance/status', body: '{}', response: m.StatusResponse },
  { path: '/v3/maintenance/alarm', body: '{"action":"ACTIVATE","memberID":"1","alarm":"CORRUPT"}', response: m.AlarmResponse },
  { path: '/v3/maintenance/alarm', body: '{"action":"ACTIVATE","memberID":"2","alarm":"NOSPACE"}', response: m.AlarmResponse },
  { path: '/v3/maintenance/alarm', body: '{"action":"GET"}', response: m.AlarmResponse },
  { path: '/v3/maintenance/alarm', body: '{"action":"DEACTIVATE","memberID":"1","alarm":"CORRUPT"}', response: m.AlarmResponse },
  { path: '/v3/maintenance/alarm', body: '{"action":"DEACTIVATE","memberID":"2","alarm":"NOSPACE"}', response: m.AlarmResponse },
  { path: '/v3/maintenance/hash', body: '{}', response: m.HashResponse },
  { path: '/v3/maintenance/defragment', body: '{}', response: m.DefragmentResponse },
  { path: '/v3/maintenance/transfer-leadership', body: '{"targetID":"1"}', response: m.MoveLeaderResponse },
  { path: '/v3/auth/user/list', body: '{}', response: m.AuthUserListResponse },
  { path: '/v3/auth/role/list', body: '{}', response: m.AuthRoleListResponse },
  { path: '/v3/auth/user/add', body: '{"name":"u<1>","password":"p"}', response: m.AuthHeaderResponse },
  { path: '/v3/auth/role/add', body: '{"name":"r"}', response: m.AuthHeaderResponse },
  { path: '/v3/auth/role/grant', body: `{"name":"r","perm":{"permType":"READWRITE","key":"${b64('k')}","range_end":"${b64('l')}"}}`, response: m.AuthHeaderResponse },
  { path: '/v3/auth/user/grant', body: '{"user":"u<1>","role":"r"}', response: m.AuthHeaderResponse },
  { path: '/v3/auth/user/get', body: '{"name":"u<1>"}', response: m.AuthUserGetResponse },
  { path: '/v3/auth/role/get', body: '{"role":"r"}', response: m.AuthRoleGetResponse },
  { path: '/v3/auth/user/list', body: '{}', response: m.AuthUserListResponse },
  { path: '/v3/auth/role/list', body: '{}', response: m.AuthRoleListResponse },
  { path: '/v3/auth/authenticate', body: '{"name":"u<1>","password":"p"}', response: m.AuthenticateResponse },
  { path: '/v3/kv/compaction', body: '{"revision":"3","physical":true}', response: m.CompactionResponse },
  { path: '/v3/watch', body: `{"create_request":{"key":"${b64('a')}","start_revision":"2"}}`, response: m.WatchResponse, lines: 2 },
  { path: '/v3/kv/range', body: `{"key":"${b64('a')}","revision":"2"}`, response: m.RangeResponse },
  { path: '/v3/lease/revoke', body: `{"ID":"${LEASE}"}`, response: m.LeaseRevokeResponse },
  { path: '/v3/lease/revoke', body: `{"ID":"${LEASE}"}`, response: m.LeaseRevokeResponse },
  { path: '/v3/maintenance/snapshot', body: '{}', response: m.SnapshotResponse, lines: 1 },
];

/** A line or body as edgecd writes it again from the typed form. */
function reencode(text: string, type: MessageType, streamed: boolean): string {
  const decoded = decodeFirst(new TextEncoder().encode(text));
  if (!('value' in decoded) || decoded.value.kind !== 'object') throw new Error(`not JSON: ${text}`);
  const fields = decoded.value.fields;
  if (streamed) {
    const result = fields.get('result');
    if (result !== undefined) return `{"result":${encodeMessage(type, decodeMessage(type, result))}}`;
    const error = fields.get('error') as JsonValue & { kind: 'object' };
    const number = (name: string): number => Number((error.fields.get(name) as { text: string }).text);
    return streamErrorLine(number('grpc_code') as never, messageOf(error)).trimEnd();
  }
  if (fields.has('error') && fields.has('code')) return errorBody(Number((fields.get('code') as { text: string }).text) as never, messageOf(decoded.value));
  return encodeMessage(type, decodeMessage(type, decoded.value));
}

function messageOf(value: JsonValue & { kind: 'object' }): string {
  const message = value.fields.get('message');
  return message?.kind === 'string' ? Buffer.from(message.value, 'latin1').toString('utf8') : '';
}

describe("responses: edgecd writes etcd 3.4's bytes from the typed form", () => {
  it('re-encodes every answer of the script byte for byte', async () => {
    const mismatches: string[] = [];
    let compared = 0;
    for (const step of SCRIPT) {
      const response = await fetch(`${url}${step.path}`, { method: 'POST', body: step.body });
      const text = step.lines === undefined ? await response.text() : await readLines(response, step.lines, 3000);
      const units = step.lines === undefined ? [text] : text.split('\n').filter((line) => line !== '');
      expect(units.length, `${step.path} ${step.body}`).toBeGreaterThan(0);
      for (const unit of units) {
        compared++;
        const again = reencode(unit, step.response, step.lines !== undefined);
        if (again !== unit) mismatches.push(`${step.path} ${step.body}\n  etcd:   ${unit.slice(0, 400)}\n  edgecd: ${again.slice(0, 400)}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(SCRIPT.length);
  });
});
