import { status } from '@grpc/grpc-js';
import http from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/free-port.ts';
import { createEtcdGrpcServer, type EtcdGrpcServer } from '../../src/grpc/index.ts';
import { b64, etcdClient, unary } from './grpc-client.ts';

/**
 * An upstream whose connections break after the request has arrived: the fault etcd's clients
 * cannot tell apart from "applied, answer lost". (The upstream here is a fault injector that reads
 * each request and drops the connection; no answer is made up.) Writes must reach it once and be
 * answered Unavailable with etcd's message; reads may be sent once more.
 */
let upstream: http.Server;
let grpc: EtcdGrpcServer;
let address: string;
const arrived: string[] = [];

beforeAll(async () => {
  const port = await freePort();
  upstream = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      arrived.push(request.url ?? '');
      (response.socket as Socket).destroy();
    });
  });
  await new Promise<void>((r) => upstream.listen(port, '127.0.0.1', () => r()));
  grpc = createEtcdGrpcServer({ endpoint: `http://127.0.0.1:${port}` });
  address = `127.0.0.1:${await grpc.listen('127.0.0.1:0')}`;
});
afterAll(async () => {
  grpc?.server.forceShutdown();
  grpc?.gateway.close();
  await new Promise((r) => upstream?.close(r));
});

async function failure(service: string, method: string, request: object): Promise<{ code: number; details: string }> {
  const client = etcdClient(service, address);
  try {
    await unary(client, method, request);
    throw new Error('expected the call to fail');
  } catch (error) {
    return error as { code: number; details: string };
  } finally {
    client.close();
  }
}

describe('a connection lost after the request may have been sent', () => {
  it.each([
    ['etcdserverpb.KV', 'Put', { key: b64('k'), value: b64('v') }, '/v3/kv/put'],
    ['etcdserverpb.KV', 'Txn', { success: [{ request_put: { key: b64('k'), value: b64('v') } }] }, '/v3/kv/txn'],
    ['etcdserverpb.KV', 'DeleteRange', { key: b64('k') }, '/v3/kv/deleterange'],
    ['etcdserverpb.Lease', 'LeaseGrant', { TTL: '10' }, '/v3/lease/grant'],
    ['etcdserverpb.KV', 'Compact', { revision: '1' }, '/v3/kv/compaction'],
    ['etcdserverpb.Cluster', 'MemberAdd', { peerURLs: ['http://127.0.0.1:1'] }, '/v3/cluster/member/add'],
    ['etcdserverpb.Auth', 'UserAdd', { name: 'u', password: 'p' }, '/v3/auth/user/add'],
  ])('%s.%s is sent once and answered Unavailable, never retried', async (service, method, request, path) => {
    arrived.length = 0;
    const error = await failure(service, method, request);
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(error.details).toBe('etcdserver: request timed out, possibly due to connection lost');
    expect(arrived).toEqual([path]);
  });

  it.each([
    ['etcdserverpb.KV', 'Range', { key: b64('k') }, '/v3/kv/range'],
    ['etcdserverpb.Maintenance', 'Status', {}, '/v3/maintenance/status'],
    ['etcdserverpb.Cluster', 'MemberList', {}, '/v3/cluster/member/list'],
    ['etcdserverpb.Lease', 'LeaseTimeToLive', { ID: '1' }, '/v3/lease/timetolive'],
    ['etcdserverpb.Lease', 'LeaseLeases', {}, '/v3/lease/leases'],
  ])('%s.%s, a read, is tried once more on a fresh connection', async (service, method, request, path) => {
    arrived.length = 0;
    const error = await failure(service, method, request);
    expect(error.code).toBe(status.UNAVAILABLE);
    expect(arrived).toEqual([path, path]);
  });

  it('a dial that fails (nothing listening) is Unavailable with grpc-go\'s dial wording', async () => {
    const nowhere = createEtcdGrpcServer({ endpoint: `http://127.0.0.1:${await freePort()}` });
    const port = await nowhere.listen('127.0.0.1:0');
    const client = etcdClient('etcdserverpb.KV', `127.0.0.1:${port}`);
    const error = await unary(client, 'Put', { key: b64('k') }).catch((e: { code: number; details: string }) => e);
    client.close();
    nowhere.server.forceShutdown();
    nowhere.gateway.close();
    expect(error).toMatchObject({ code: status.UNAVAILABLE, details: expect.stringContaining('connect: connection refused') });
  });
});
