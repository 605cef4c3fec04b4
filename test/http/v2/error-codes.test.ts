import { describe, expect, it } from 'vitest';
import { renderKeyError } from '../../../src/http/v2/render.ts';
import { EtcdError } from '../../../src/store/index.ts';

/**
 * errorCodes 200-212 as etcd 3.4's v2error table words them (etcdserver/api/v2error/error.go).
 * The API produces 201-203 and 209-212 from a request (each exercised against real etcd in
 * routes-oracle and keys-oracle); 200 and 204-208 are in etcd's table but no 3.4 code path
 * raises them. All render as etcd's `writeKeyError` does: 400, the JSON and a newline.
 */
const ETCD_V2_FORM_ERRORS: [number, string][] = [
  [200, 'Value is Required in POST form'],
  [201, 'PrevValue is Required in POST form'],
  [202, 'The given TTL in POST form is not a number'],
  [203, 'The given index in POST form is not a number'],
  [204, 'Value or TTL is required in POST form'],
  [205, 'The given timeout in POST form is not a number'],
  [206, 'Name is required in POST form'],
  [207, 'Index or value is required'],
  [208, 'Index and value cannot both be specified'],
  [209, 'Invalid field'],
  [210, 'Invalid POST form'],
  [211, 'Value provided on refresh'],
  [212, 'A TTL must be provided on refresh'],
];

describe('errorCodes 200-212', () => {
  for (const [code, message] of ETCD_V2_FORM_ERRORS) {
    it(`${code} ${message}`, async () => {
      const response = renderKeyError(new EtcdError(code, '/1/some/key', 7), new Headers({ 'X-Etcd-Cluster-Id': 'c1' }));
      expect(response.status).toBe(400);
      expect(response.headers.get('Content-Type')).toBe('application/json');
      expect(response.headers.get('X-Etcd-Index')).toBe('7');
      expect(await response.text()).toBe(`${JSON.stringify({ errorCode: code, message, cause: '/some/key', index: 7 })}\n`);
    });
  }
});
