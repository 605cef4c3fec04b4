/**
 * Build-time constants, replaced by the bundler (esbuild `define` in scripts/bundle.ts for local
 * and test bundles, wrangler.toml's `[define]` for deployed ones), never read from the
 * environment at run time. With `EDGECD_FAULT_INJECTION` false, every use below folds to a
 * constant and the minifier drops the fault hooks' code: a production bundle does not contain
 * them, so no var, header or path can turn them on.
 */
declare global {
  /** Fault injection (faults.ts, /admin/faults, /admin/abort) compiled in: local and test builds only. */
  const EDGECD_FAULT_INJECTION: boolean;
}

export {};
