import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InteractionEnv, parseCommand, parseTranscript, renderTranscript } from './interaction-env.ts';

/**
 * Transcript tests (etcd's interaction tests): each testdata/*.txt file is a scenario of commands
 * with the expected output under each. `REWRITE=1` rewrites the expected output from what the
 * code does now (then review the diff).
 */
const dir = join(import.meta.dirname, 'testdata');
const rewrite = process.env.REWRITE === '1';

describe('transcripts', () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
    it(file, () => {
      const path = join(dir, file);
      const blocks = parseTranscript(readFileSync(path, 'utf8'));
      const env = new InteractionEnv();
      const outputs: string[] = [];
      for (const b of blocks) {
        const out = env.run(parseCommand(b.command, b.input));
        outputs.push(out);
        if (!rewrite) expect(out, `${file}: ${b.command}`).toBe(b.expected);
      }
      if (rewrite) writeFileSync(path, renderTranscript(blocks, outputs));
    });
  }
});
