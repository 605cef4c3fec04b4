import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * DESIGN.md section 2 as data: which folders of `src/` may import which, and which packages each
 * may use. The architecture test checks the source tree against it.
 */
export const LAYERS: Record<string, { folders: string[]; packages: string[]; artifacts?: string[] }> = {
  raft: { folders: [], packages: [] },
  store: { folders: [], packages: [] },
  mvcc: { folders: [], packages: ['sorted-btree'] },
  lease: { folders: [], packages: [] },
  auth: { folders: [], packages: [] },
  // Counters, gauges, histograms and the Prometheus text writer: values are handed in.
  metrics: { folders: [], packages: [] },
  server: { folders: ['raft', 'store', 'mvcc', 'lease', 'auth', 'metrics'], packages: [] },
  http: { folders: ['server', 'store', 'mvcc', 'lease', 'auth', 'metrics'], packages: [] },
  member: { folders: ['server', 'http', 'raft', 'mvcc', 'lease', 'metrics'], packages: ['cloudflare:workers'] },
  // The console page is a build artifact (scripts/build-console.ts), imported as a text module.
  worker: { folders: ['http', 'member', 'metrics'], packages: ['hono', 'cloudflare:workers'], artifacts: ['dist/ui/console.html.txt'] },
  // The console: browser code, bundled by scripts/build-console.ts; it reads /metrics with metrics' parser.
  ui: { folders: ['metrics'], packages: ['preact', 'preact/hooks'] },
  // Node only (DESIGN.md §9): the gRPC services translate to the v3 HTTP API; wire types only.
  grpc: { folders: [], packages: ['@grpc/grpc-js', '@grpc/proto-loader', 'node:http', 'node:https', 'node:http2', 'node:net', 'node:tls', 'node:path', 'node:url', 'node:fs', 'node:events', 'node:stream', 'ws'] },
};

/** The deterministic core: no clocks, randomness, timers, network, console or process. */
export const PURE_CORE = new Set(['raft', 'store', 'mvcc', 'lease', 'auth', 'server', 'metrics']);
const BANNED_IDENTIFIERS = new Set([
  'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate',
  'queueMicrotask', 'fetch', 'console', 'process', 'performance', 'crypto', 'globalThis',
]);
const BANNED_MEMBERS = new Set(['Date.now', 'Math.random']);

export interface Violation {
  file: string;
  rule: string;
  detail: string;
}

/** Source files as `path relative to src/` → text. */
export type SourceTree = Map<string, string>;

export function readSourceTree(srcDir: string): SourceTree {
  const tree: SourceTree = new Map();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') || entry.name.endsWith('.tsx')) tree.set(relative(srcDir, path).split(sep).join('/'), readFileSync(path, 'utf8'));
    }
  };
  walk(srcDir);
  return tree;
}

export function checkArchitecture(tree: SourceTree): Violation[] {
  const violations: Violation[] = [];
  for (const [file, text] of tree) {
    const layer = file.split('/')[0] ?? '';
    const rules = LAYERS[layer];
    if (rules === undefined) {
      violations.push({ file, rule: 'layer', detail: `src/${layer} is not a layer of DESIGN.md` });
      continue;
    }
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    for (const specifier of importSpecifiers(source)) {
      violations.push(...checkImport(file, layer, specifier, rules));
    }
    if (PURE_CORE.has(layer)) violations.push(...bannedGlobals(file, source));
  }
  return violations;
}

function checkImport(
  file: string,
  layer: string,
  specifier: string,
  rules: { folders: string[]; packages: string[]; artifacts?: string[] },
): Violation[] {
  if (!specifier.startsWith('.')) {
    if (rules.packages.includes(specifier)) return [];
    return [{ file, rule: 'package', detail: `src/${layer} may not import '${specifier}'` }];
  }
  const resolved = resolve('/src', dirname(file), specifier);
  if (!resolved.startsWith('/src/')) {
    if (rules.artifacts?.includes(resolved.slice(1)) === true) return [];
    return [{ file, rule: 'artifact', detail: `src/${layer} may not import '${specifier}' from outside src/` }];
  }
  const target = resolved.slice('/src/'.length);
  const targetLayer = target.split('/')[0] ?? '';
  if (targetLayer === layer) return [];
  if (!rules.folders.includes(targetLayer)) {
    return [{ file, rule: 'edge', detail: `src/${layer} may not import src/${targetLayer}` }];
  }
  if (target !== `${targetLayer}/index.ts`) {
    return [{ file, rule: 'index', detail: `import src/${targetLayer} through its index.ts, not '${specifier}'` }];
  }
  return [];
}

function importSpecifiers(source: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function bannedGlobals(file: string, source: ts.SourceFile): Violation[] {
  const found: Violation[] = [];
  const report = (node: ts.Node, what: string): void => {
    const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
    found.push({ file, rule: 'pure', detail: `${what} at line ${line + 1}: the core takes time, randomness and I/O as inputs` });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      const name = `${node.expression.text}.${node.name.text}`;
      if (BANNED_MEMBERS.has(name)) report(node, name);
    } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date') {
      if ((node.arguments?.length ?? 0) === 0) report(node, 'new Date()');
    } else if (ts.isIdentifier(node) && BANNED_IDENTIFIERS.has(node.text) && isGlobalReference(node)) {
      report(node, node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** An identifier used as a value, not a property name, a declaration or a type. */
function isGlobalReference(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if (ts.isPropertyAssignment(parent) && parent.name === node) return false;
  if (ts.isPropertySignature(parent) || ts.isPropertyDeclaration(parent) || ts.isMethodDeclaration(parent)) return false;
  if (ts.isMethodSignature(parent) || ts.isParameter(parent) || ts.isVariableDeclaration(parent)) return false;
  if (ts.isBindingElement(parent) || ts.isTypeReferenceNode(parent)) return false;
  return true;
}
