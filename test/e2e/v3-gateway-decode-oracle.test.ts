import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';
import { decodeFirst, decodeMessage, encodeMessage, errorBody, GatewayPanic, ROUTES } from '../../src/http/v3/index.ts';

/**
 * The gateway's request decoding against real etcd 3.4's, on the wire. Each body goes to etcd;
 * edgecd's decoder reads the same bytes. Where edgecd refuses, etcd must answer 400 with exactly
 * the error bytes edgecd renders. Where edgecd accepts, the request it decoded is encoded again
 * (canonically) and sent to etcd too: both answers must be byte-identical, so what edgecd read is
 * what etcd read. Only read-only calls are used (so both answers see the same revision).
 */

/** [route, body]: bodies are raw text (sent as UTF-8), or bytes for the invalid-UTF-8 cases. */
type Case = [string, string | Uint8Array];

const K = '/v3/kv/range';
const TXN = '/v3/kv/txn';
const TTL = '/v3/lease/timetolive';

const CASES: Case[] = [
  // field names: proto and JSON names, exact match only, the JSON name wins, last duplicate wins
  [K, '{"key":"Zm9v"}'],
  [K, '{"key":"Zm9v","range_end":"Zm9w"}'],
  [K, '{"key":"Zm9v","rangeEnd":"Zm9w"}'],
  [K, '{"key":"AA==","range_end":"AA==","rangeEnd":""}'],
  [K, '{"key":"AA==","rangeEnd":"AA==","range_end":""}'],
  [K, '{"KEY":"Zm9v"}'],
  [K, '{"Key":"Zm9v"}'],
  [K, '{"k\\u0065y":"Zm9v"}'],
  [K, '{"key":"YQ==","key":"Zm9v"}'],
  [K, '{"key":"Zm9v","keys_only":true}'],
  [K, '{"key":"Zm9v","keysOnly":true,"keys_only":false}'],
  [K, '{"key":"Zm9v","count_only":true}'],
  // int64: number or string, whitespace inside the string, null, "null", signs, range
  [K, '{"key":"AA==","range_end":"AA==","limit":1}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":"1"}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":" 1 "}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":"\\t1"}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":null}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":"null"}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":-1}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":"-0"}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":""}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":"1x"}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":"1 2"}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":"\\"1\\""}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":"\\u0031"}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":1.5}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":1.0}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":1e2}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":"1E2"}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":9223372036854775807}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":9223372036854775808}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":"-9223372036854775809"}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":true}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":"false"}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":[1]}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":"[1]"}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":{}}'],
  [K, '{"key":"AA==","range_end":"AA==","limit":"{}"}'],
  [K, '{"key":"AA==","range_end":"AA==","max_mod_revision":"3"}'],
  // enums: exact names, any int32, names not unescaped
  [K, '{"key":"AA==","range_end":"AA==","sort_order":"DESCEND"}'],
  [K, '{"key":"AA==","range_end":"AA==","sortOrder":"ASCEND","sortTarget":"VALUE"}'],
  [K, '{"key":"AA==","range_end":"AA==","sort_order":2,"sort_target":3}'],
  [K, '{"key":"AA==","range_end":"AA==","sort_order":"2"}'],
  [K, '{"key":"AA==","range_end":"AA==","sort_order":"descend"}'],
  [K, '{"key":"AA==","range_end":"AA==","sort_order":"DESC\\u0045ND"}'],
  [K, '{"key":"AA==","range_end":"AA==","sort_order":" DESCEND"}'],
  [K, '{"key":"AA==","range_end":"AA==","sort_order":""}'],
  [K, '{"key":"AA==","range_end":"AA==","sort_order":"<b>"}'],
  [K, '{"key":"AA==","range_end":"AA==","sort_order":7}'],
  [K, '{"key":"AA==","range_end":"AA==","sort_order":-1}'],
  [K, '{"key":"AA==","range_end":"AA==","sort_order":2147483648}'],
  [K, '{"key":"AA==","range_end":"AA==","sort_order":2.0}'],
  [K, '{"key":"AA==","range_end":"AA==","sort_order":true}'],
  [K, '{"key":"AA==","range_end":"AA==","sort_order":null}'],
  [K, '{"key":"AA==","range_end":"AA==","sort_order":["DESCEND"]}'],
  // bool: only true/false
  [K, '{"key":"Zm9v","serializable":true}'],
  [K, '{"key":"Zm9v","serializable":"true"}'],
  [K, '{"key":"Zm9v","serializable":1}'],
  [K, '{"key":"Zm9v","serializable":null}'],
  [K, '{"key":"Zm9v","serializable":{}}'],
  // bytes: StdEncoding only, padding required, newlines skipped, arrays of bytes
  [K, '{"key":"Zm9"}'],
  [K, '{"key":"Zm8"}'],
  [K, '{"key":"Zm8="}'],
  [K, '{"key":"Zm9v=="}'],
  [K, '{"key":"Zm9v="}'],
  [K, '{"key":"Zg=="}'],
  [K, '{"key":"Zh=="}'],
  [K, '{"key":"Zg="}'],
  [K, '{"key":"Zg=x"}'],
  [K, '{"key":"Z==="}'],
  [K, '{"key":"Zm-_"}'],
  [K, '{"key":"Zm9v\\n"}'],
  [K, '{"key":"Z\\nm\\r9v"}'],
  [K, '{"key":"Zm9v\\u003d"}'],
  [K, '{"key":"Zm9v\\u00e9"}'],
  [K, '{"key":" Zm9v"}'],
  [K, '{"key":""}'],
  [K, '{"key":[102,111,111]}'],
  [K, '{"key":[102,111,null]}'],
  [K, '{"key":[]}'],
  [K, '{"key":[256]}'],
  [K, '{"key":[-1]}'],
  [K, '{"key":[1.5]}'],
  [K, '{"key":["a"]}'],
  [K, '{"key":[[1]]}'],
  [K, '{"key":{}}'],
  [K, '{"key":true}'],
  [K, '{"key":5}'],
  [K, '{"key":null}'],
  // the body as a whole: empty, white space, null, not an object, trailing garbage
  [K, ''],
  [K, '   \n'],
  [K, 'null'],
  [K, '[]'],
  [K, '"x"'],
  [K, '5'],
  [K, '5x'],
  [K, 'true'],
  [K, '{"key":"Zm9v"} trailing garbage'],
  [K, '{"key":"Zm9v"}}'],
  [K, '{"key":"Zm9v"}{"key":1}'],
  [K, '{"key":"Zm9v","unknown":[1,{"x":null}],"another":"x"}'],
  // syntax errors, every context of Go's scanner
  [K, 'garbage'],
  [K, '{'],
  [K, '{"key":"Zm9v"'],
  [K, '{"key":"Zm9v",}'],
  [K, '{"key" "Zm9v"}'],
  [K, '{key:1}'],
  [K, "{'key':1}"],
  [K, '{"key":"\\x"}'],
  [K, '{"key":"\\u00zz"}'],
  [K, '{"key":"a\tb"}'],
  [K, '{"key":01}'],
  [K, '{"key":-}'],
  [K, '{"key":1.}'],
  [K, '{"key":1e}'],
  [K, '{"key":1e+}'],
  [K, '{"a":[1,]}'],
  [K, '{"a":[1 2]}'],
  [K, '{"a":tx}'],
  [K, '{"a":fals}'],
  [K, '{"a":nul}'],
  [K, 'tru'],
  [K, '-'],
  [K, '\u00e9'],
  [K, '\u0001'],
  [K, `${'['.repeat(10_001)}`],
  // strings and UTF-8 (in keys of objects, in names)
  [K, new Uint8Array([...new TextEncoder().encode('{"key":"Zm9v","x":"'), 0xff, 0xe2, 0x82, ...new TextEncoder().encode('"}')])],
  [K, new Uint8Array([...new TextEncoder().encode('{"key":"Zm9v'), 0xff, ...new TextEncoder().encode('"}')])],
  ['/v3/election/leader', '{"name":"bm8="}'],
  // txn: compares (enums, oneof members, null and zero members), ops (oneof), lists
  [TXN, '{"compare":[{"key":"Zm9v","target":"VERSION","version":"0"}],"success":[{"request_range":{"key":"Zm9v"}}],"failure":[{"request_range":{"key":"YQ=="}}]}'],
  [TXN, '{"compare":[{"key":"Zm9v","target":"VERSION","version":null}],"success":[{"request_range":{"key":"Zm9v"}}]}'],
  [TXN, '{"compare":[{"key":"Zm9v","target":"VALUE","value":null}],"success":[{"request_range":{"key":"Zm9v"}}]}'],
  [TXN, '{"compare":[{"key":"Zm9v","target":"VALUE","value":""}],"success":[{"request_range":{"key":"Zm9v"}}]}'],
  [TXN, '{"compare":[{"key":"Zm9v","result":"GREATER","target":"CREATE","create_revision":"1"}],"success":[{"request_range":{"key":"Zm9v"}}],"failure":[{"request_put":{"key":"Zm9v","ignore_value":true}}]}'],
  [TXN, '{"compare":[{"key":"Zm9v","result":3,"target":2,"mod_revision":"1"}],"failure":[{"request_range":{"key":"Zm9v"}}]}'],
  [TXN, '{"compare":[{"key":"Zm9v","result":"NOT_EQUAL","target":"LEASE","lease":"0"}],"failure":[{"requestRange":{"key":"Zm9v","count_only":true}}]}'],
  [TXN, '{"compare":[{"key":"Zm9v","result":"BIGGER"}]}'],
  [TXN, '{"compare":[{"key":"Zm9v","target":"SIZE"}]}'],
  [TXN, '{"compare":{}}'],
  [TXN, '{"compare":[[]]}'],
  [TXN, '{"compare":null,"success":[{"request_range":{"key":"Zm9v"}}]}'],
  [TXN, '{"success":[{}]}'],
  [TXN, '{"success":[{"request_range":null}]}'],
  [TXN, '{"success":[{"request_range":{}}]}'],
  [TXN, '{"success":[{"request_range":{"key":"YQ=="}},{}]}'],
  [TXN, '{"compare":[{}],"success":[{}]}'],
  [TXN, '{"success":[{"request_txn":{"success":[{}]}}]}'],
  [TXN, '{"success":[{"request_range":[]}]}'],
  [TXN, '{"success":[{"request_range":{"key":1}}]}'],
  [TXN, '{"success":[{"request_txn":{"compare":[{"key":"Zm9v","version":"0"}],"success":[{"request_range":{"key":"Zm9v"}}]}}]}'],
  // int64 IDs and TTLs echoed back
  [TTL, '{"ID":"5"}'],
  [TTL, '{"ID":5,"keys":true}'],
  [TTL, '{"ID":"9223372036854775807"}'],
  [TTL, '{"ID":"-5"}'],
  [TTL, '{"id":"5"}'],
  [TTL, '{"ID":"0x5"}'],
  ['/v3/lease/keepalive', '{"ID":"5"}'],
  // uint64 member IDs
  ['/v3/cluster/member/remove', '{"ID":"1"}'],
  ['/v3/cluster/member/remove', '{"ID":18446744073709551615}'],
  ['/v3/cluster/member/remove', '{"ID":"18446744073709551616"}'],
  ['/v3/cluster/member/remove', '{"ID":-1}'],
  ['/v3/maintenance/alarm', '{"action":"GET","memberID":"0","alarm":"NOSPACE"}'],
  ['/v3/maintenance/alarm', '{"action":"get"}'],
  // strings
  ['/v3/auth/user/get', '{"name":"x"}'],
  ['/v3/auth/user/get', '{"name":5}'],
  ['/v3/auth/user/get', '{"name":["x"]}'],
  ['/v3/auth/role/get', '{"role":null}'],
  ['/v3/cluster/member/list', '{"linearizable":true}'],
  ['/v3/maintenance/status', '[1]'],
];

let etcd: RealEtcdCluster;
let url: string;

beforeAll(async () => {
  etcd = await startRealEtcd();
  url = etcd.clientURLs[0]!;
  // Keys to range over: a, foo (with a value), foo/bar.
  for (const [key, value] of [['YQ==', ''], ['Zm9v', 'YmFy'], ['Zm9vL2Jhcg==', 'eA==']]) {
    await fetch(`${url}/v3/kv/put`, { method: 'POST', body: `{"key":"${key}","value":"${value}"}` });
  }
});

afterAll(async () => {
  await etcd?.stop();
});

interface Answer {
  status: number;
  body: string;
}

async function post(path: string, body: string | Uint8Array): Promise<Answer | 'dropped'> {
  try {
    const response = await fetch(`${url}${path}`, { method: 'POST', body: typeof body === 'string' ? body : Buffer.from(body) });
    return { status: response.status, body: await response.text() };
  } catch {
    return 'dropped';
  }
}

/** What edgecd's gateway makes of the body: Go's error text, a panic, or the request encoded again. */
function edgecdReading(path: string, body: string | Uint8Array): { error: string } | { panic: true } | { canonical: string } {
  const type = ROUTES.get(path)!.request;
  const first = decodeFirst(typeof body === 'string' ? new TextEncoder().encode(body) : body);
  if ('error' in first) return { error: first.error };
  try {
    return { canonical: encodeMessage(type, decodeMessage(type, 'value' in first ? first.value : { kind: 'null' })) };
  } catch (error) {
    if (error instanceof GatewayPanic) return { panic: true };
    return { error: (error as Error).message };
  }
}

describe('request bodies: edgecd accepts exactly what etcd 3.4 accepts', () => {
  for (const [path, body] of CASES) {
    const label = typeof body === 'string' ? (body.length > 80 ? `${body.slice(0, 80)}…` : body) : `bytes ${Buffer.from(body).toString('hex')}`;
    it(`${path} ${JSON.stringify(label)}`, async () => {
      const reading = edgecdReading(path, body);
      const etcdAnswer = await post(path, body);
      if ('panic' in reading) {
        expect(etcdAnswer).toBe('dropped');
      } else if ('error' in reading) {
        expect(etcdAnswer).toEqual({ status: 400, body: errorBody(3, reading.error) });
      } else {
        expect(etcdAnswer).not.toBe('dropped');
        expect(await post(path, reading.canonical)).toEqual(etcdAnswer);
      }
    });
  }

  it('drops the connection for a null entry in a list of messages, as the gateway panics', async () => {
    expect(edgecdReading(TXN, '{"compare":[null]}')).toEqual({ panic: true });
    expect(await post(TXN, '{"compare":[null]}')).toBe('dropped');
    expect(await post(TXN, '{"success":[null]}')).toBe('dropped');
  });
});
