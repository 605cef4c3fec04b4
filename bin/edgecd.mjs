#!/usr/bin/env node
// The `edgecd` command. The launcher is TypeScript; tsx compiles it on the fly so Node 20 runs it
// without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../scripts/cli.ts');
process.exitCode = await main(process.argv.slice(2));
