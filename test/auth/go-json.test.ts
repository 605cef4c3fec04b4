import { describe, expect, it } from 'vitest';
import { decodeRole, decodeUser, encodeRole, encodeUser } from '../../src/auth/index.ts';
import { goSprintfNoArgs } from '../../src/auth/v2/go-fmt.ts';
import { goFieldMatches, goQuote } from '../../src/auth/v2/go-json.ts';

/**
 * etcd's v2auth bodies as Go 1.19's encoding/json reads and writes them. Each expectation is what
 * Go does (checked against real etcd 3.4 where a request can show it: the e2e tests).
 */
describe("decoding a user as etcd's json.Decoder does", () => {
  it('matches keys to fields without regard to case, and with ſ for s and K for k', () => {
    const user = decodeUser('{"USER":"a","PassWord":"p","ROLEſ":["r"],"revo\u212ae":["x"]}', 'decoder');
    expect(user).toEqual({ user: 'a', password: 'p', roles: ['r'], grant: null, revoke: ['x'] });
    expect(goFieldMatches('user', 'uSER')).toBe(true);
    expect(goFieldMatches('user', 'users')).toBe(false);
    expect(goFieldMatches('read', 'reaD')).toBe(true);
  });

  it('lets a later key win, keeps a string through null, and ignores unknown keys', () => {
    expect(decodeUser('{"user":"a","user":"b","password":"p","password":null,"other":{"x":[1,2]}}', 'decoder')).toMatchObject({ user: 'b', password: 'p' });
  });

  it('tells a nil slice (null, absent) from an empty one', () => {
    expect(decodeUser('{"user":"a"}', 'decoder').roles).toBeNull();
    expect(decodeUser('{"user":"a","roles":null}', 'decoder').roles).toBeNull();
    expect(decodeUser('{"user":"a","roles":[]}', 'decoder').roles).toEqual([]);
  });

  it('decodes a repeated slice in place: a null element keeps what the earlier value had there', () => {
    expect(decodeUser('{"roles":["a","b"],"roles":[null]}', 'decoder').roles).toEqual(['a']);
    // The backing array still holds "b" at index 1, which a longer value then shows again.
    expect(decodeUser('{"roles":["a","b"],"roles":[null],"roles":[null,null]}', 'decoder').roles).toEqual(['a', 'b']);
    expect(decodeUser('{"roles":[null,"x"]}', 'decoder').roles).toEqual(['', 'x']);
  });

  it('reads only the first value, and a top-level null as nothing', () => {
    expect(decodeUser('  {"user":"a"} trailing {', 'decoder').user).toBe('a');
    expect(decodeUser('null', 'decoder').user).toBe('');
    expect(() => decodeUser('nullx', 'decoder')).toThrow();
    expect(() => decodeUser('{"user":"a"} x', 'unmarshal')).toThrow();
  });

  it('refuses bad syntax, a wrong type anywhere, and an empty body', () => {
    for (const body of ['', ' ', '{', '{"user":"a"', '{"user":1}', '{"roles":"a"}', '{"roles":[1]}', '[]', '"x"', '1', 'true', "{'user':'a'}", '{"user":"a",}', '{"user":"\\x"}']) {
      expect(() => decodeUser(body, 'decoder'), body).toThrow();
    }
  });

  it('turns a lone surrogate escape into U+FFFD and keeps a pair', () => {
    expect(decodeUser('{"user":"\\ud800x\\ud83d\\ude00"}', 'decoder').user).toBe('\ufffdx\u{1f600}');
  });
});

describe("decoding a role as etcd's json.Decoder does", () => {
  it('allocates a grant on an object, keeps nil on null, and merges a repeated object into the first', () => {
    expect(decodeRole('{"role":"r","grant":null}', 'decoder').grant).toBeNull();
    expect(decodeRole('{"role":"r","grant":{}}', 'decoder').grant).toEqual({ kv: { read: null, write: null } });
    const merged = decodeRole('{"role":"r","grant":{"kv":{"read":["/a"]}},"grant":{"kv":{"write":["/b"]}}}', 'decoder');
    expect(merged.grant).toEqual({ kv: { read: ['/a'], write: ['/b'] } });
  });

  it('refuses a permissions value of the wrong type', () => {
    expect(() => decodeRole('{"role":"r","permissions":[]}', 'decoder')).toThrow();
    expect(() => decodeRole('{"role":"r","permissions":{"kv":{"read":{}}}}', 'decoder')).toThrow();
  });
});

describe("encoding as etcd's json.Marshal does", () => {
  it('escapes HTML characters, U+2028/2029 and control characters as Go does', () => {
    expect(goQuote('<a&b>\u2028\u2029\b\f\n\r\t\u0001"\\\u007f')).toBe('"\\u003ca\\u0026b\\u003e\\u2028\\u2029\\u0008\\u000c\\n\\r\\t\\u0001\\"\\\\\u007f"');
  });

  it('writes a user in field order, nil roles as null, empty password and grants left out', () => {
    expect(encodeUser({ user: 'u', password: '', roles: null, grant: [], revoke: null })).toBe('{"user":"u","roles":null}');
    expect(encodeUser({ user: 'u', password: 'h', roles: [], grant: ['g'], revoke: ['r'] })).toBe('{"user":"u","password":"h","roles":[],"grant":["g"],"revoke":["r"]}');
  });

  it('writes a role with a non-nil grant even when it is empty', () => {
    const role = decodeRole('{"role":"r2","grant":{"kv":{"read":[]}}}', 'decoder');
    expect(encodeRole(role)).toBe('{"role":"r2","permissions":{"kv":{"read":null,"write":null}},"grant":{"kv":{"read":[],"write":null}}}');
  });
});

describe("Go's Sprintf with a format and no arguments", () => {
  it('reports each verb as missing and keeps %%', () => {
    expect(goSprintfNoArgs('plain')).toBe('plain');
    expect(goSprintfNoArgs('a%db%s 100%% %5.2f %-x')).toBe('a%!d(MISSING)b%!s(MISSING) 100% %!f(MISSING) %!x(MISSING)');
    expect(goSprintfNoArgs('end%')).toBe('end%!(NOVERB)');
    expect(goSprintfNoArgs('%*d %[1]d')).toBe('%!(BADWIDTH)%!d(MISSING) %!d(BADINDEX)');
  });
});
