/** How often a long job reports how far it got. */
const PERIOD_MS = 2_000;

/**
 * A progress line on stderr every couple of seconds while a long job runs (`fill m: 42000/200000
 * keys, 3100/s, 14 s`): rewritten in place on a terminal, one line each otherwise (logs, CI).
 * Returns the function that stops it (and ends the line).
 */
export function reportProgress(label: string, total: number, done: () => number): () => void {
  const started = performance.now();
  const tty = process.stderr.isTTY === true;
  let printed = false;
  const print = (): void => {
    const seconds = (performance.now() - started) / 1000;
    const count = done();
    const line = `  ${label}: ${count}/${total}, ${Math.round(count / Math.max(seconds, 0.001))}/s, ${Math.round(seconds)} s`;
    process.stderr.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
    printed = true;
  };
  const timer = setInterval(print, PERIOD_MS);
  return () => {
    clearInterval(timer);
    if (printed && tty) process.stderr.write('\n');
  };
}
