import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callControl } from '../../scripts/control.ts';
import { curl } from '../helpers/commands.ts';
import { launchCluster, type LaunchedCluster } from '../helpers/launcher.ts';

const projectRoot = join(import.meta.dirname, '..', '..');
/** Screenshots are test artefacts (gitignored); one is copied to docs/ for the README. */
const ARTEFACTS = join(projectRoot, '.tmp', 'console');

/** Debian's Chromium, headless, with nothing reaching out to the network on its own. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('the console at /ui/ in a browser', () => {
  let cluster: LaunchedCluster;
  let context: BrowserContext;
  let page: Page;
  const profile = mkdtempSync(join(tmpdir(), 'edgecd-chromium-'));
  const shot = (name: string) => page.screenshot({ path: join(ARTEFACTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    mkdirSync(ARTEFACTS, { recursive: true });
    cluster = await launchCluster();
    // A fresh profile (--user-data-dir) each run: playwright passes it for a persistent context.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
    await cluster?.destroy();
  });

  it('loads and shows the key tree, following it live', async () => {
    await curl('-XPUT', `${cluster.url}/v2/keys/config/app/name`, '-d', 'value=edgecd');
    await page.goto(`${cluster.url}/ui/`);
    await page.locator('[data-watch="live"]').waitFor({ timeout: 10_000 });
    await page.locator('[data-key="/config/app/name"]').waitFor();
    expect(await page.locator('[data-key="/config"]').count()).toBe(1);
  });

  it('shows a key written with curl within a second, without a reload', async () => {
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    const written = Date.now();
    const put = await curl('-XPUT', `${cluster.url}/v2/keys/from-curl`, '-d', 'value=hello from curl');
    expect(put.stdout).toContain('"action":"set"');
    await page.locator('[data-key="/from-curl"]').waitFor({ timeout: 1_000 });
    console.info(`a key written with curl appeared in the console after ${Date.now() - written} ms`);
    expect(await page.locator('[data-key="/from-curl"] .value').textContent()).toBe('hello from curl');
    expect(navigations).toEqual([]);
    await shot('live-key');
  });

  it('edits a value, which the API then returns', async () => {
    await page.locator('[data-key="/from-curl"]').click();
    const editor = page.locator('[data-editing="/from-curl"]');
    await editor.locator('textarea[name="value"]').fill('edited in the console');
    await editor.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await curl(`${cluster.url}/v2/keys/from-curl`)).stdout, { timeout: 5_000 }).toContain('"value":"edited in the console"');
    await expect.poll(() => page.locator('[data-key="/from-curl"] .value').textContent()).toBe('edited in the console');
  });

  it('counts a TTL down and drops the key when it expires', async () => {
    await curl('-XPUT', `${cluster.url}/v2/keys/session/short`, '-d', 'value=soon gone', '-d', 'ttl=4');
    const ttl = page.locator('[data-key="/session/short"] .ttl');
    await ttl.waitFor({ timeout: 2_000 });
    const first = Number(await ttl.getAttribute('data-ttl'));
    await shot('ttl');
    await page.waitForTimeout(1_500);
    const later = Number(await ttl.getAttribute('data-ttl'));
    expect(first).toBeGreaterThan(later);
    expect(later).toBeGreaterThan(0);
    // The leader expires it (a replicated SYNC); the watch delivers the expire event.
    await page.locator('[data-key="/session/short"]').waitFor({ state: 'detached', timeout: 8_000 });
  });

  it('moves the leader badge when the leader is reset', async () => {
    const leaderRow = page.locator('tr[data-role="leader"]');
    await leaderRow.waitFor({ timeout: 5_000 });
    const old = await leaderRow.getAttribute('data-member');
    expect(old).toMatch(/^node\d$/);
    await shot('members');
    await callControl(cluster.dataDir, 'POST', `/members/${old}/abort`);
    await expect
      .poll(async () => page.locator('tr[data-role="leader"]').getAttribute('data-member').catch(() => null), { timeout: 15_000, interval: 250 })
      .not.toBe(old);
    expect(await page.locator('tr[data-role="leader"]').count()).toBe(1);
    // Every member is back, ready, in the table.
    await expect.poll(() => page.locator('tr[data-member]').count()).toBe(3);
    await expect.poll(() => page.locator('tr[data-role="follower"]').count(), { timeout: 15_000 }).toBe(2);
    await page.locator('[data-key="/config"]').click();
    await shot('console');
    // The README's picture is refreshed on request only, so a test run leaves the checkout clean.
    if (process.env.UPDATE_CONSOLE_SCREENSHOT === '1') copyFileSync(join(ARTEFACTS, 'console.png'), join(projectRoot, 'docs', 'console.png'));
  });

  it('offers no control that writes in read-only mode', async () => {
    const readOnly = await context.newPage();
    await readOnly.goto(`${cluster.url}/ui/?readonly`);
    await readOnly.locator('[data-key="/from-curl"]').click();
    expect(await readOnly.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    expect(await readOnly.getByRole('button', { name: 'Delete' }).isDisabled()).toBe(true);
    expect(await readOnly.locator('input[name="read-only"]').isChecked()).toBe(true);
    await readOnly.close();
  });
});
