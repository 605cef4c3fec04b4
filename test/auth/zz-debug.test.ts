import { it } from 'vitest';
import { AuthGatewayCluster, b64 } from './v3-auth-harness.ts';
it('lock', async () => {
  const c = new AuthGatewayCluster();
  const root = await c.enableWithRoot();
  await c.post('/v3/auth/role/add', { name: 'r' }, root);
  await c.post('/v3/auth/role/grant', { name: 'r', perm: { permType: 'READWRITE', key: b64('a/'), range_end: b64('a0') } }, root);
  await c.post('/v3/auth/user/add', { name: 'u', password: 'upw' }, root);
  await c.post('/v3/auth/user/grant', { user: 'u', role: 'r' }, root);
  const u = await c.login('u', 'upw');
  for (const name of ['lk', 'a/lk']) { const r = await c.post('/v3/lock/lock', { name: b64(name) }, u); console.log(r.status, r.text); }
  const r = await c.post('/v3/lock/lock', { name: b64('x') }, root); console.log(r.status, r.text);
});
