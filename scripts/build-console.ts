import { build } from 'esbuild';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where the console is written; the worker imports it as a text module (src/worker/console.ts). */
export const CONSOLE_PAGE = join(projectRoot, 'dist/ui/console.html.txt');

/**
 * Builds the console (src/ui, Preact) into one self-contained HTML page: the app bundled by
 * esbuild for browsers and inlined with its styles, so the worker serves it from its own origin
 * with nothing fetched from elsewhere. Run by `npm start` (local-cluster.ts), `npm test`
 * (pretypecheck) and `wrangler deploy` (wrangler.toml's [build]).
 */
export async function buildConsole(outFile = CONSOLE_PAGE): Promise<string> {
  const result = await build({
    entryPoints: [join(projectRoot, 'src/ui/main.tsx')],
    bundle: true,
    write: false,
    outdir: join(projectRoot, 'dist/ui/assets'),
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'error',
  });
  const script = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text ?? '';
  const style = result.outputFiles.find((f) => f.path.endsWith('.css'))?.text ?? '';
  // An inline script ends at the first "</script"; esbuild escapes it in strings, this checks.
  if (/<\/script/i.test(script)) throw new Error('the console bundle contains "</script": it cannot be inlined');
  const template = await readFile(join(projectRoot, 'src/ui/console.html'), 'utf8');
  const page = template.replace('/*STYLE*/', () => style.trim()).replace('/*SCRIPT*/', () => script.trim());
  // Written whole and renamed: a launcher bundling the worker meanwhile never reads half a page.
  await mkdir(dirname(outFile), { recursive: true });
  const partial = `${outFile}.${process.pid}.${Date.now()}`;
  await writeFile(partial, page);
  await rename(partial, outFile);
  return outFile;
}

/** The folders the console is built from (it reads /metrics with src/metrics' parser). */
const SOURCES = ['src/ui', 'src/metrics', 'scripts/build-console.ts'].map((p) => join(projectRoot, p));

/**
 * Builds the console unless the page is newer than everything it is built from: `npm start`
 * then pays for the build only after the console changed.
 */
export async function buildConsoleIfStale(outFile = CONSOLE_PAGE): Promise<string> {
  const built = await stat(outFile).then((s) => s.mtimeMs, () => 0);
  const newest = Math.max(...(await Promise.all(SOURCES.map(newestChange))));
  return built > newest ? outFile : buildConsole(outFile);
}

async function newestChange(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(path);
  return Math.max(info.mtimeMs, ...(await Promise.all(entries.map((e) => newestChange(join(path, e))))));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  const file = await buildConsole();
  process.stdout.write(`console built: ${file} (${Date.now() - started} ms)\n`);
}
