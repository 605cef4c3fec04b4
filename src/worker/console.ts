// Built by scripts/build-console.ts from src/ui: one HTML page with its script and styles inlined.
import page from '../../dist/ui/console.html.txt';

export interface ConsoleEnv {
  /** `true`: the console offers no control that writes (its read-only switch stays on). */
  CONSOLE_READ_ONLY?: string;
}

const READ_ONLY_MARK = '<meta name="edgecd-read-only" content="false" />';
const readOnlyPage = page.replace(READ_ONLY_MARK, () => '<meta name="edgecd-read-only" content="true" />');

/** `/ui/`: the console, from the worker's own origin. */
export function serveConsole(env: ConsoleEnv): Response {
  return new Response(env.CONSOLE_READ_ONLY === 'true' ? readOnlyPage : page, {
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      // The page loads nothing from elsewhere; its script and styles are inline.
      'Content-Security-Policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:",
    },
  });
}
