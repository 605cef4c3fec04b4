import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** etcd 3.4's `--logger` values: structured JSON lines, or the human-readable capnslog lines. */
export type LoggerKind = 'zap' | 'capnslog';

export const LOGGER_KINDS: readonly LoggerKind[] = ['zap', 'capnslog'];

/** capnslog's one-letter levels. */
const LEVEL_LETTERS: Record<string, string> = { debug: 'D', info: 'I', warn: 'W', error: 'E', panic: 'C', fatal: 'C' };

interface ZapLine {
  level: string;
  ts: string;
  msg: string;
  member?: string;
  [field: string]: unknown;
}

function parseZap(line: string): ZapLine | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as Partial<ZapLine>;
    return typeof value.level === 'string' && typeof value.msg === 'string' && typeof value.ts === 'string' ? (value as ZapLine) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A member's zap line as capnslog prints etcd 3.4's: `2026-01-02 03:04:05.678000 I | node1: msg`,
 * then the fields as `key=value`. Any other line is returned as it is.
 */
export function humanLine(line: string): string {
  const zap = parseZap(line);
  if (zap === undefined) return line;
  const { level, ts, msg, member, ...fields } = zap;
  const when = ts.replace('T', ' ').replace(/Z$/, '').replace(/\.(\d{3})$/, '.$1000');
  const rest = Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${when} ${LEVEL_LETTERS[level] ?? '?'} | ${member ?? 'edgecd'}: ${msg}${rest === '' ? '' : ` ${rest}`}`;
}

/**
 * Prints workerd's output (where members' console lines land) line by line: as the members wrote
 * them (zap), or reformatted for a person (capnslog).
 */
export function pipeLog(from: Readable, to: Writable, kind: LoggerKind): void {
  const lines = createInterface({ input: from, crlfDelay: Infinity });
  lines.on('line', (line) => to.write(`${kind === 'capnslog' ? humanLine(line) : line}\n`));
}
