import type { Labels } from './family.ts';

/** One line of an exposition: `name{labels} value` (histogram lines keep their `_bucket` names). */
export interface ParsedSample {
  name: string;
  labels: Labels;
  value: number;
}

/**
 * Reads the sample lines of a text exposition (format 0.0.4); comments and blank lines are
 * skipped. For readers of `/metrics` (the console, tests), not a validator: `promtool check
 * metrics` is that. Throws on a line it cannot read.
 */
export function parseText(text: string): ParsedSample[] {
  const samples: ParsedSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    samples.push(parseLine(line));
  }
  return samples;
}

function parseLine(line: string): ParsedSample {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
  if (name === undefined) throw new Error(`not a sample line: ${line}`);
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at++;
    while (line[at] !== '}') {
      const label = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(at));
      if (label === null) throw new Error(`bad label in: ${line}`);
      at += label[0].length;
      let value = '';
      while (line[at] !== '"') {
        if (at >= line.length) throw new Error(`unterminated label value in: ${line}`);
        if (line[at] === '\\') {
          const next = line[at + 1];
          value += next === 'n' ? '\n' : (next ?? '');
          at += 2;
        } else {
          value += line[at];
          at++;
        }
      }
      labels[label[1]!] = value;
      at++;
      if (line[at] === ',') at++;
    }
    at++;
  }
  const [valueText] = line.slice(at).trim().split(/\s+/);
  return { name, labels, value: parseValue(valueText ?? '', line) };
}

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`bad value in: ${line}`);
  return value;
}
