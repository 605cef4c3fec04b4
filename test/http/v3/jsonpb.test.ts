import { describe, expect, it } from 'vitest';
import { decodeRawStdBase64, decodeStdBase64 } from '../../../src/http/v3/go-base64.ts';
import { decodeFirst } from '../../../src/http/v3/go-json-decoder.ts';
import * as m from '../../../src/http/v3/etcd-messages.ts';
import { decodeMessage, GatewayPanic } from '../../../src/http/v3/jsonpb-decode.ts';
import { encodeMessage, goString } from '../../../src/http/v3/jsonpb-encode.ts';
import type { MessageType } from '../../../src/http/v3/proto-schema.ts';

const decode = (type: MessageType, text: string): Record<string, unknown> => {
  const first = decodeFirst(new TextEncoder().encode(text));
  if ('error' in first) throw new Error(first.error);
  return decodeMessage(type, 'value' in first ? first.value : { kind: 'null' });
};
const errorOf = (type: MessageType, text: string): string => {
  try {
    decode(type, text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${text} decoded`);
};

describe("Go's base64.StdEncoding (bytes fields)", () => {
  it('decodes canonical text and skips newlines anywhere', () => {
    expect(decodeStdBase64('Zm9v')).toBe('foo');
    expect(decodeStdBase64('Zm8=')).toBe('fo');
    expect(decodeStdBase64('Zg==')).toBe('f');
    expect(decodeStdBase64('Zm\n9v')).toBe('foo');
    expect(decodeStdBase64('Zg=\r\n=')).toBe('f');
    expect(decodeStdBase64('')).toBe('');
  });

  it('does not check the unused low bits (Zh== is f, as Zg== is)', () => {
    expect(decodeStdBase64('Zh==')).toBe('f');
  });

  const refusals: [string, number][] = [
    ['Zm9', 0],
    ['Zm8', 0],
    ['Zm9v==', 4],
    ['Zm9v=', 4],
    ['Zm-_', 2],
    ['Z===', 1],
    ['Zg=', 3],
    ['Zg=x', 2],
    ['Zg==x', 4],
    ['Zm9vZ', 4],
    ['Zm9v\u00e9', 4],
  ];
  for (const [text, offset] of refusals) {
    it(`refuses ${JSON.stringify(text)} at input byte ${offset}`, () => {
      expect(() => decodeStdBase64(text)).toThrow(`illegal base64 data at input byte ${offset}`);
    });
  }

  it('RawStdEncoding (binary metadata headers) takes no padding', () => {
    expect(decodeRawStdBase64('Zm8')).toBe('fo');
    expect(() => decodeRawStdBase64('Zm8=')).toThrow('illegal base64 data at input byte 3');
    expect(() => decodeRawStdBase64('Z')).toThrow('illegal base64 data at input byte 0');
  });
});

describe('jsonpb decoding into rpc.ts messages', () => {
  it('fills every field not given with its zero value', () => {
    expect(decode(m.RangeRequest, '{"key":"YQ=="}')).toEqual({
      key: 'a',
      rangeEnd: '',
      limit: 0,
      revision: 0,
      sortOrder: 'NONE',
      sortTarget: 'KEY',
      serializable: false,
      keysOnly: false,
      countOnly: false,
      minModRevision: 0,
      maxModRevision: 0,
      minCreateRevision: 0,
      maxCreateRevision: 0,
    });
  });

  it('takes both the proto name and the JSON name, the JSON name winning', () => {
    expect(decode(m.RangeRequest, '{"range_end":"AA==","rangeEnd":"YQ=="}').rangeEnd).toBe('a');
    expect(decode(m.RangeRequest, '{"rangeEnd":"YQ==","range_end":"AA=="}').rangeEnd).toBe('a');
    expect(decode(m.RangeRequest, '{"KEY":"YQ=="}').key).toBe('');
  });

  it('reads an int64 from a number or from a string holding JSON', () => {
    expect(decode(m.RangeRequest, '{"limit":5}').limit).toBe(5);
    expect(decode(m.RangeRequest, '{"limit":"5"}').limit).toBe(5);
    expect(decode(m.RangeRequest, '{"limit":" 5 "}').limit).toBe(5);
    expect(decode(m.RangeRequest, '{"limit":"null"}').limit).toBe(0);
    expect(decode(m.RangeRequest, '{"limit":null}').limit).toBe(0);
    expect(decode(m.RangeRequest, '{"limit":-5}').limit).toBe(-5);
    expect(errorOf(m.RangeRequest, '{"limit":""}')).toBe('unexpected end of JSON input');
    expect(errorOf(m.RangeRequest, '{"limit":"5x"}')).toBe("invalid character 'x' after top-level value");
    expect(errorOf(m.RangeRequest, '{"limit":1.5}')).toBe('json: cannot unmarshal number 1.5 into Go value of type int64');
    expect(errorOf(m.RangeRequest, '{"limit":"1e3"}')).toBe('json: cannot unmarshal number 1e3 into Go value of type int64');
    expect(errorOf(m.RangeRequest, '{"limit":9223372036854775808}')).toBe('json: cannot unmarshal number 9223372036854775808 into Go value of type int64');
    expect(errorOf(m.RangeRequest, '{"limit":"true"}')).toBe('json: cannot unmarshal bool into Go value of type int64');
    expect(errorOf(m.RangeRequest, '{"limit":{}}')).toBe('json: cannot unmarshal object into Go value of type int64');
  });

  it('keeps a lease ID whole as a bigint and a member ID as hex', () => {
    expect(decode(m.PutRequest, '{"lease":"9223372036854775807"}').lease).toBe(9223372036854775807n);
    expect(decode(m.MemberRemoveRequest, '{"ID":"11405959270008774590"}').id).toBe('9e4a1b8653725fbe');
    expect(decode(m.MemberRemoveRequest, '{}').id).toBe('0');
    expect(errorOf(m.MemberRemoveRequest, '{"ID":-1}')).toBe('json: cannot unmarshal number -1 into Go value of type uint64');
  });

  it('takes an enum by exact name or by any int32', () => {
    expect(decode(m.RangeRequest, '{"sort_order":"DESCEND"}').sortOrder).toBe('DESCEND');
    expect(decode(m.RangeRequest, '{"sortOrder":2}').sortOrder).toBe('DESCEND');
    expect(decode(m.RangeRequest, '{"sort_order":7}').sortOrder).toBe('NONE');
    expect(errorOf(m.RangeRequest, '{"sort_order":"2"}')).toBe('unknown value "2" for enum etcdserverpb.RangeRequest_SortOrder');
    expect(errorOf(m.RangeRequest, '{"sort_order":3000000000}')).toBe('json: cannot unmarshal number 3000000000 into Go value of type etcdserverpb.RangeRequest_SortOrder');
    expect(errorOf(m.RangeRequest, '{"sort_order":true}')).toBe('json: cannot unmarshal bool into Go value of type etcdserverpb.RangeRequest_SortOrder');
  });

  it('drops a watch filter etcd would ignore', () => {
    const request = decode(m.WatchRequest, '{"create_request":{"key":"YQ==","filters":["NOPUT",5,1]}}');
    expect((request.createRequest as { filters: string[] }).filters).toEqual(['NOPUT', 'NODELETE']);
  });

  it('reads bytes from base64 or from an array of byte values', () => {
    expect(decode(m.RangeRequest, '{"key":[102,111,111]}').key).toBe('foo');
    expect(errorOf(m.RangeRequest, '{"key":[256]}')).toBe('json: cannot unmarshal number 256 into Go value of type uint8');
    expect(errorOf(m.RangeRequest, '{"key":["a"]}')).toBe('json: cannot unmarshal string into Go value of type uint8');
    expect(errorOf(m.RangeRequest, '{"key":{}}')).toBe('json: cannot unmarshal object into Go value of type []uint8');
    expect(errorOf(m.RangeRequest, '{"key":"Zm9v\\u003d"}')).toBe('illegal base64 data at input byte 4');
  });

  it('takes only true and false for a bool', () => {
    expect(errorOf(m.RangeRequest, '{"serializable":"true"}')).toBe('json: cannot unmarshal string into Go value of type bool');
    expect(errorOf(m.RangeRequest, '{"serializable":1}')).toBe('json: cannot unmarshal number into Go value of type bool');
  });

  it('refuses a message that is not an object, and reads null as empty', () => {
    expect(errorOf(m.RangeRequest, '[]')).toBe('json: cannot unmarshal array into Go value of type map[string]json.RawMessage');
    expect(errorOf(m.TxnRequest, '{"compare":{}}')).toBe('json: cannot unmarshal object into Go value of type []json.RawMessage');
    expect(decode(m.RangeRequest, 'null').key).toBe('');
  });

  it('checks fields in declaration order: the first bad one is the error', () => {
    expect(errorOf(m.RangeRequest, '{"limit":true,"key":1}')).toBe('json: cannot unmarshal number into Go value of type []uint8');
  });

  it('sets a oneof member, and leaves a null message member unset as Go then sends nothing', () => {
    expect(decode(m.RequestOp, '{"request_range":{"key":"YQ=="}}')).toHaveProperty('requestRange');
    expect(decode(m.RequestOp, '{"request_range":null}')).toEqual({});
    expect(decode(m.RequestOp, '{}')).toEqual({});
    expect(decode(m.Compare, '{"key":"YQ==","version":null}').version).toBe(0);
    expect(decode(m.Compare, '{"key":"YQ==","value":null}')).not.toHaveProperty('value');
    expect(decode(m.Compare, '{"key":"YQ==","value":""}').value).toBe('');
  });

  it('fails like the gateway (a nil pointer) for a null entry in a list of messages', () => {
    expect(() => decode(m.TxnRequest, '{"compare":[null]}')).toThrow(GatewayPanic);
  });

  it('decodes strings as Go does, then as text', () => {
    expect(decode(m.AuthUserGetRequest, '{"name":"caf\\u00e9"}').name).toBe('café');
    expect(decode(m.MemberAddRequest, '{"peerURLs":["http://a",null]}').peerURLs).toEqual(['http://a', '']);
    expect(errorOf(m.AuthUserGetRequest, '{"name":5}')).toBe('json: cannot unmarshal number into Go value of type string');
  });
});

describe('jsonpb encoding of responses', () => {
  const header = { clusterId: '30025dbb1257513f', memberId: '9e4a1b8653725fbe', revision: 2, raftTerm: 2 };

  it('writes proto names in declaration order, zero values left out, 64-bit integers as strings', () => {
    const kv = { key: 'foo', createRevision: 2, modRevision: 3, version: 2, value: '', lease: 0n };
    expect(encodeMessage(m.RangeResponse, { header, kvs: [kv], more: false, count: 1 })).toBe(
      '{"header":{"cluster_id":"3459430521821942079","member_id":"11405959270008774590","revision":"2","raft_term":"2"},' +
        '"kvs":[{"key":"Zm9v","create_revision":"2","mod_revision":"3","version":"2"}],"count":"1"}',
    );
  });

  it('writes a present message even when it is empty, and leaves an empty list out', () => {
    expect(encodeMessage(m.TxnResponse, { header: { clusterId: '0', memberId: '0', revision: 0, raftTerm: 0 }, succeeded: true, responses: [] })).toBe('{"header":{},"succeeded":true}');
  });

  it('writes enums by name, the zero one left out, and 32-bit integers as numbers', () => {
    expect(encodeMessage(m.Event, { type: 'PUT', kv: { key: 'a', createRevision: 0, modRevision: 4, version: 0, value: '', lease: 0n } })).toBe('{"kv":{"key":"YQ==","mod_revision":"4"}}');
    expect(encodeMessage(m.Event, { type: 'DELETE', kv: { key: 'a', createRevision: 0, modRevision: 4, version: 0, value: '', lease: 0n } })).toBe('{"type":"DELETE","kv":{"key":"YQ==","mod_revision":"4"}}');
    expect(encodeMessage(m.HashResponse, { header, hash: 3412212369 })).toMatch(/"hash":3412212369}$/);
  });

  it('writes a set oneof member even when it is zero', () => {
    expect(encodeMessage(m.Compare, { result: 'EQUAL', target: 'VERSION', key: 'a', rangeEnd: '', version: 0 })).toBe('{"key":"YQ==","version":"0"}');
  });

  it("escapes strings as Go's json.Marshal does (HTML-safe)", () => {
    expect(goString('a<b>&"\\\n\t\u0001\u2028é')).toBe('"a\\u003cb\\u003e\\u0026\\"\\\\\\n\\t\\u0001\\u2028é"');
    expect(goString('\ud800')).toBe('"\\ufffd"');
  });
});
