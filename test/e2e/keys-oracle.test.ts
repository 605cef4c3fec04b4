import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRealEtcd, type RealEtcdCluster } from '../../scripts/real-etcd.ts';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';
import { observe, readLines, send, type Observation, type ScriptRequest } from '../helpers/oracle.ts';

/**
 * The keys API, differentially: every request below goes to a fresh edgecd cluster and to a fresh
 * real etcd 3.4 (three members each); status, headers, bodies, errors and index deltas must agree.
 */

interface Side {
  url: string;
  base: number;
  /** Raw JSON bodies by step name, for steps that refer to earlier results. */
  results: Map<string, { node?: { modifiedIndex?: number; key?: string } }>;
}

type Build = (side: Side) => ScriptRequest;

interface Step {
  name: string;
  request: ScriptRequest | Build;
  /** A watch: `request` is the watch, `trigger` the writes that should wake it, `lines` events to read. */
  trigger?: (ScriptRequest | Build)[];
  lines?: number;
}

const put = (path: string, form: Record<string, string> = {}): ScriptRequest => ({ method: 'PUT', path: `/v2/keys${path}`, form });
const post = (path: string, form: Record<string, string> = {}): ScriptRequest => ({ method: 'POST', path: `/v2/keys${path}`, form });
const get = (pathAndQuery: string): ScriptRequest => ({ method: 'GET', path: `/v2/keys${pathAndQuery}` });
const del = (pathAndQuery: string): ScriptRequest => ({ method: 'DELETE', path: `/v2/keys${pathAndQuery}` });
const indexOf = (side: Side, step: string): number => side.results.get(step)?.node?.modifiedIndex ?? -1;

const SCRIPT: Step[] = [
  // The seed's key API table, line by line.
  { name: 'set message', request: put('/message', { value: 'Hello world' }) },
  { name: 'get message', request: get('/message') },
  { name: 'update message', request: put('/message', { value: 'Hello etcd' }) },
  { name: 'delete message', request: del('/message') },
  { name: 'set foo with ttl', request: put('/foo', { value: 'bar', ttl: '5' }) },
  { name: 'get foo with ttl', request: get('/foo') },
  { name: 'clear foo ttl', request: put('/foo', { value: 'bar', ttl: '', prevExist: 'true' }) },
  { name: 'wait on foo', request: get('/foo?wait=true'), trigger: [put('/foo', { value: 'bar' })] },
  { name: 'wait from an index', request: (s) => get(`/foo?wait=true&waitIndex=${indexOf(s, 'set message')}`) },
  { name: 'enqueue job1', request: post('/queue', { value: 'Job1' }) },
  { name: 'enqueue job2', request: post('/queue', { value: 'Job2' }) },
  { name: 'list queue sorted', request: get('/queue?recursive=true&sorted=true') },
  { name: 'dir with ttl', request: put('/dir', { ttl: '30', dir: 'true' }) },
  { name: 'refresh dir ttl', request: put('/dir', { ttl: '30', dir: 'true', prevExist: 'true' }) },
  { name: 'wait on dir', request: get('/dir?wait=true'), trigger: [del('/dir?dir=true&recursive=true')] },
  { name: 'make dir', request: put('/dir', { dir: 'true' }) },
  { name: 'key in dir', request: put('/foo_dir/foo', { value: 'bar' }) },
  { name: 'list all recursively', request: get('/?recursive=true') },
  { name: 'delete non-empty dir', request: del('/foo_dir?dir=true') },
  { name: 'delete dir recursively', request: del('/foo_dir?recursive=true') },
  { name: 'delete empty dir', request: del('/dir?dir=true') },

  // Every write form and condition.
  { name: 'create', request: put('/cas', { value: 'one', prevExist: 'false' }) },
  { name: 'create again', request: put('/cas', { value: 'two', prevExist: 'false' }) },
  { name: 'update missing', request: put('/missing', { value: 'x', prevExist: 'true' }) },
  { name: 'cas wrong value', request: put('/cas', { value: 'two', prevValue: 'uno' }) },
  { name: 'cas wrong index', request: put('/cas', { value: 'two', prevIndex: '1' }) },
  { name: 'cas both wrong', request: put('/cas', { value: 'two', prevIndex: '1', prevValue: 'uno' }) },
  { name: 'cas right value', request: put('/cas', { value: 'two', prevValue: 'one' }) },
  { name: 'cas right index', request: (s) => put('/cas', { value: 'three', prevIndex: String(indexOf(s, 'cas right value')) }) },
  { name: 'cas index zero is no condition', request: put('/cas', { value: 'four', prevIndex: '0' }) },
  { name: 'cad wrong value', request: del('/cas?prevValue=nope') },
  { name: 'cad wrong index', request: del('/cas?prevIndex=2') },
  { name: 'cad right value', request: del('/cas?prevValue=four') },
  { name: 'no value on success', request: put('/quiet', { value: 'v', noValueOnSuccess: 'true' }) },
  { name: 'head', request: { method: 'HEAD', path: '/v2/keys/quiet' } },
  { name: 'quorum get', request: get('/quiet?quorum=true') },
  { name: 'hidden key', request: put('/_hidden', { value: 'h' }) },
  { name: 'listing hides it', request: get('/?sorted=true') },
  { name: 'hidden key is readable', request: get('/_hidden') },
  { name: 'sorted listing in byte order', request: put('/order/B', { value: '1' }) },
  { name: 'sorted listing in byte order 2', request: put('/order/a', { value: '2' }) },
  { name: 'sorted listing in byte order 3', request: put('/order/é', { value: '3' }) },
  { name: 'list order sorted', request: get('/order?sorted=true') },
  // TTLs in Go's wrapping int64 arithmetic: past 2262 a created key is permanent; 4e9 s is 2153.
  { name: 'ttl past 2262', request: put('/wrap', { value: 'v', ttl: '9223372036' }) },
  { name: 'ttl 4e9 s', request: put('/far', { value: 'v', ttl: '4000000000' }) },
  { name: 'ttl over 2^64', request: put('/wrap', { value: 'v', ttl: '18446744073709551616' }) },
  { name: 'refresh a ttl', request: put('/foo', { ttl: '20', refresh: 'true', prevExist: 'true' }) },
  { name: 'set over a dir', request: put('/order', { value: 'x' }) },
  { name: 'dir over a file', request: put('/foo', { dir: 'true' }) },
  { name: 'post under a file', request: post('/foo/child', { value: 'x' }) },
  { name: 'write the root', request: put('/', { value: 'x' }) },
  { name: 'delete the root', request: del('/?recursive=true') },

  // Errors of the request itself.
  { name: 'missing key', request: get('/nope') },
  { name: 'missing nested key', request: get('/nope/deeper/still') },
  { name: 'bad ttl', request: put('/t', { value: 'x', ttl: 'abc' }) },
  { name: 'negative ttl', request: put('/t', { value: 'x', ttl: '-1' }) },
  { name: 'bad prevIndex', request: put('/t', { value: 'x', prevIndex: 'x' }) },
  { name: 'bad waitIndex', request: get('/t?wait=true&waitIndex=abc') },
  { name: 'bad recursive', request: get('/t?recursive=maybe') },
  { name: 'bad prevExist', request: put('/t', { value: 'x', prevExist: 'perhaps' }) },
  { name: 'empty prevValue', request: put('/t', { value: 'x', prevValue: '' }) },
  { name: 'wait on a put', request: put('/t', { value: 'x', wait: 'true' }) },
  { name: 'refresh with a value', request: put('/foo', { value: 'x', ttl: '5', refresh: 'true' }) },
  { name: 'refresh without ttl', request: put('/foo', { refresh: 'true' }) },
  { name: 'bad escape in the body', request: { method: 'PUT', path: '/v2/keys/t', body: 'value=%zz', headers: { 'content-type': 'application/x-www-form-urlencoded' } } },
  { name: 'method not allowed', request: { method: 'PATCH', path: '/v2/keys/t' } },
  { name: 'query and form merged, form first', request: { method: 'PUT', path: '/v2/keys/merged?value=fromquery', form: { value: 'fromform' } } },
  { name: 'value in the query alone', request: { method: 'PUT', path: '/v2/keys/merged?value=fromquery' } },

  // Watch forms.
  { name: 'recursive watch', request: get('/rw?wait=true&recursive=true'), trigger: [put('/rw/a/b', { value: 'deep' })] },
  { name: 'stream watch', request: get('/sw?wait=true&stream=true'), trigger: [put('/sw', { value: '1' }), put('/sw', { value: '2' })], lines: 2 },
  { name: 'watch sees a dir delete', request: get('/wd/x?wait=true'), trigger: [put('/wd/x', { value: '1' })] },
  { name: 'watch of a child woken by the parent delete', request: get('/wd/x?wait=true'), trigger: [del('/wd?recursive=true')] },
  { name: 'expiry wakes a watcher', request: get('/short?wait=true'), trigger: [put('/short', { value: 'gone soon', ttl: '1' })], lines: 1 },
];

async function baseIndex(url: string): Promise<number> {
  const r = await send(url, put('/oracle-base', { value: 'base' }));
  const body = (await r.json()) as { node: { modifiedIndex: number } };
  return body.node.modifiedIndex + 1;
}

async function runStep(side: Side, step: Step): Promise<Observation[]> {
  const resolve = (r: ScriptRequest | Build): ScriptRequest => (typeof r === 'function' ? r(side) : r);
  const request = resolve(step.request);
  if (step.trigger === undefined) {
    const response = await send(side.url, request);
    const text = await response.text();
    // Go's map order makes an unsorted listing's order random: compare those as sets.
    const observation = await observe(response, side.base, text, !request.path.includes('sorted=true'));
    if (response.headers.get('content-type')?.includes('json') && text.trim() !== '') side.results.set(step.name, JSON.parse(text));
    return [observation];
  }
  const controller = new AbortController();
  const watch = await send(side.url, request, controller.signal);
  const observations: Observation[] = [];
  for (const trigger of step.trigger) {
    const response = await send(side.url, resolve(trigger));
    observations.push(await observe(response, side.base));
  }
  const text = await readLines(watch, step.lines ?? 1, 10_000);
  controller.abort();
  observations.unshift(await observe(watch, side.base, text));
  return observations;
}

describe('the keys API against real etcd 3.4', () => {
  let edgecd: LaunchedCluster;
  let etcd: RealEtcdCluster;
  const sides: { edgecd?: Side; etcd?: Side } = {};

  beforeAll(async () => {
    [edgecd, etcd] = await Promise.all([launchCluster(), startRealEtcd({ members: 3 })]);
    sides.edgecd = { url: edgecd.url, base: await baseIndex(edgecd.url), results: new Map() };
    sides.etcd = { url: etcd.clientURLs[0]!, base: await baseIndex(etcd.clientURLs[0]!), results: new Map() };
  });

  afterAll(async () => {
    await Promise.all([edgecd?.destroy(), etcd?.stop()]);
  });

  it(`answers a ${SCRIPT.length}-step script exactly as etcd does`, async () => {
    const differences: string[] = [];
    for (const step of SCRIPT) {
      const [ours, theirs] = await Promise.all([runStep(sides.edgecd!, step), runStep(sides.etcd!, step)]);
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
        differences.push(`${step.name}:\n  edgecd ${JSON.stringify(ours)}\n  etcd   ${JSON.stringify(theirs)}`);
      }
    }
    expect(differences.join('\n')).toBe('');
  });
});
