import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { curl } from '../helpers/commands.ts';

export const projectRoot = join(import.meta.dirname, '..', '..');
/** Screenshots are test artefacts (gitignored); one is copied to docs/ for the README. */
export const ARTEFACTS = join(projectRoot, '.tmp', 'console');

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

export interface ConsoleBrowser {
  context: BrowserContext;
  page: Page;
  shot(name: string, on?: Page): Promise<void>;
  close(): Promise<void>;
}

/** A fresh Chromium profile (--user-data-dir) each run: playwright passes it for a persistent context. */
export async function openBrowser(): Promise<ConsoleBrowser> {
  mkdirSync(ARTEFACTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'edgecd-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    shot: async (name, on = page) => {
      await on.screenshot({ path: join(ARTEFACTS, `${name}.png`), fullPage: true });
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export const b64 = (text: string | Buffer): string => Buffer.from(text).toString('base64');

/** One v3 gateway call with curl (what a user would type), its JSON answer parsed. */
export async function curlV3(url: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const { stdout } = await curl('-sS', '-XPOST', `${url}${path}`, '-d', JSON.stringify(body));
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** A v3 key's value as the gateway answers it now (base64 decoded), undefined if there is none. */
export async function v3Value(url: string, key: string): Promise<string | undefined> {
  const answer = (await curlV3(url, '/v3/kv/range', { key: b64(key) })) as { kvs?: { value?: string }[] };
  const kv = answer.kvs?.[0];
  return kv === undefined ? undefined : Buffer.from(kv.value ?? '', 'base64').toString();
}
