import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl } from '../helpers/commands.ts';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';
import { openBrowser, type ConsoleBrowser } from './console-browser.ts';

let cluster: LaunchedCluster;
let browser: ConsoleBrowser;
let page: Page;

/** One v2 auth API call with curl, as root once auth is on. */
async function auth(method: string, path: string, body?: unknown): Promise<string> {
  const args = ['-X', method, '-u', 'root:rootpw', `${cluster.url}/v2/auth${path}`];
  if (body !== undefined) args.push('-d', JSON.stringify(body));
  return (await curl(...args)).stdout;
}

const put = (key: string, value: string) => curl('-u', 'root:rootpw', '-XPUT', `${cluster.url}/v2/keys${key}`, '-d', `value=${value}`);

// etcd 3.4's v2 auth (docs/v2/authentication.md): a root user, roles granting key globs, and a
// guest role that, once its default `/*` is revoked, reads nothing.
beforeAll(async () => {
  cluster = await launchCluster();
  await put('/public/a', 'for readers');
  await put('/public/sub/b', 'deeper');
  await put('/secret/c', 'not for readers');
  expect(await auth('PUT', '/users/root', { user: 'root', password: 'rootpw' })).toContain('"user":"root"');
  // alice may list / (the exact key) and read /public/ whole; bob only /public/.
  await auth('PUT', '/roles/reader', { role: 'reader', permissions: { kv: { read: ['/', '/public/*'], write: [] } } });
  await auth('PUT', '/roles/public', { role: 'public', permissions: { kv: { read: ['/public/*'], write: [] } } });
  await auth('PUT', '/users/alice', { user: 'alice', password: 'alicepw', roles: ['reader'] });
  await auth('PUT', '/users/bob', { user: 'bob', password: 'bobpw', roles: ['public'] });
  await auth('PUT', '/enable');
  await auth('PUT', '/roles/guest', { role: 'guest', revoke: { kv: { read: ['/*'], write: ['/*'] } } });
  expect(await auth('GET', '/enable')).toContain('"enabled":true');
  browser = await openBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await cluster?.destroy();
});

const signIn = async (user: string, password: string): Promise<void> => {
  const form = page.locator('form[aria-label="sign in"]');
  await form.locator('input[name="user"]').fill(user);
  await form.locator('input[name="password"]').fill(password);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await page.locator(`[data-signed-in="${user}"]`).waitFor({ timeout: 5_000 });
};

describe('the console with v2 auth on', () => {
  it('asks for a user and password, and shows what a guest may not read as no access, not as an error', async () => {
    await page.goto(`${cluster.url}/ui/`);
    await page.locator('form[aria-label="sign in"]').waitFor({ timeout: 10_000 });
    await page.locator('[data-key="/"] [data-access="denied"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('.error.banner').count()).toBe(0);
    expect(await page.locator('[data-key="/public/a"]').count()).toBe(0);
    await browser.shot('auth-guest');
  });

  it('signs in, sends the credentials on v2 calls, and shows only what the user may read', async () => {
    await signIn('alice', 'alicepw');
    await page.locator('[data-key="/public/a"]').waitFor({ timeout: 5_000 });
    expect(await page.locator('[data-key="/public/a"] .value').textContent()).toBe('for readers');
    await page.locator('[data-key="/public/sub/b"]').waitFor();
    // Listed (alice may read the key "/"), but not readable: a dir marked, with nothing in it.
    await page.locator('[data-key="/secret"] [data-access="denied"]').waitFor();
    expect(await page.locator('[data-key="/secret/c"]').count()).toBe(0);
    expect(await page.locator('.error.banner').count()).toBe(0);
    await browser.shot('auth-signed-in');
  });

  it('follows what the user may read live, with their credentials on the watch', async () => {
    const written = Date.now();
    await put('/public/live', 'written by root');
    await page.locator('[data-key="/public/live"]').waitFor({ timeout: 1_000 });
    console.info(`a key under /public appeared for the signed-in reader after ${Date.now() - written} ms`);
    await put('/secret/live', 'not shown');
    await page.waitForTimeout(500);
    expect(await page.locator('[data-key="/secret/live"]').count()).toBe(0);
  });

  it('shows a refused write as the error etcd gives, and the tree unchanged', async () => {
    await page.locator('[data-key="/public/a"]').click();
    const editor = page.locator('[data-editing="/public/a"]');
    await editor.locator('textarea[name="value"]').fill('alice may not write');
    await editor.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.locator('.error.banner').textContent(), { timeout: 5_000 }).toContain('Insufficient credentials');
    expect((await curl('-u', 'root:rootpw', `${cluster.url}/v2/keys/public/a`)).stdout).toContain('"value":"for readers"');
  });

  it('lets a user who may not list / open a dir they may read', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('form[aria-label="sign in"]').waitFor();
    await signIn('bob', 'bobpw');
    await page.locator('[data-key="/"] [data-access="denied"]').waitFor({ timeout: 5_000 });
    await page.locator('input[name="open-dir"]').fill('/public');
    await page.getByRole('button', { name: 'Open' }).click();
    await page.locator('[data-key="/public/a"]').waitFor({ timeout: 5_000 });
    expect(await page.locator('[data-key="/secret"]').count()).toBe(0);
    await put('/public/for-bob', 'live too');
    await page.locator('[data-key="/public/for-bob"]').waitFor({ timeout: 2_000 });
    expect(await page.locator('.error.banner').count()).toBe(0);
    await browser.shot('auth-open-dir');
  });
});
