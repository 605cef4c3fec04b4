import type { Logger } from '../server/index.ts';

/** etcd's `--log-level` values, least to most severe. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'panic', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The wrangler var a member reads its level from (etcd's `--log-level`; `info` when unset). */
export interface LoggingEnv {
  LOG_LEVEL?: string;
}

export interface MemberLogger extends Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  fatal(message: string, fields?: Record<string, unknown>): void;
}

/**
 * A member's log, one JSON object per line in the shape etcd's zap logger writes (`level`, `ts`
 * as ISO 8601 with milliseconds, `msg`, then the fields), with `member` naming the member where
 * etcd has `caller` (a process there is one member; here one workerd hosts them all). Workers
 * Logs and `wrangler tail` parse such lines; `edgecd start` reprints them for a terminal.
 */
export function createMemberLogger(member: string, levelText: string | undefined, write: (level: LogLevel, line: string) => void = writeToConsole): MemberLogger {
  const threshold = LOG_LEVELS.indexOf(parseLogLevel(levelText));
  const log = (level: LogLevel) => (message: string, fields?: Record<string, unknown>): void => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    write(level, JSON.stringify({ level, ts: new Date().toISOString(), member, msg: message, ...fields }));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), fatal: log('fatal') };
}

/** etcd refuses an unknown level at start-up; a member has no one to refuse to, so it logs at `info`. */
export function parseLogLevel(text: string | undefined): LogLevel {
  const level = (text ?? '').toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(level) ? (level as LogLevel) : 'info';
}

function writeToConsole(level: LogLevel, line: string): void {
  if (level === 'debug' || level === 'info') console.log(line);
  else if (level === 'warn') console.warn(line);
  else console.error(line);
}
