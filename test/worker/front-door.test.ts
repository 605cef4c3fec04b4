import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

describe('front door', () => {
  it('answers /version as etcd 3.4 does', async () => {
    const response = await exports.default.fetch('http://edgecd/version');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ etcdserver: '3.4.23', etcdcluster: '3.4.0' });
  });

  it('answers unknown routes with etcd\'s plain-text 404', async () => {
    const response = await exports.default.fetch('http://edgecd/nope');
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('404 page not found\n');
  });
});
