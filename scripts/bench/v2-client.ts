/** The few single requests the orchestrator makes itself (not load): fetch with a bound. */

export async function putKey(url: string, key: string, value: string, timeoutMs = 10_000): Promise<number> {
  const response = await fetch(`${url}/v2/keys/${key}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `value=${encodeURIComponent(value)}`,
    signal: AbortSignal.timeout(timeoutMs),
  });
  await response.arrayBuffer();
  return response.status;
}

/** The leader's member record (`GET /v2/members/leader`), or undefined during an election. */
export async function leaderOf(url: string): Promise<{ name: string; clientURLs: string[] } | undefined> {
  const response = await fetch(`${url}/v2/members/leader`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
  if (response === undefined || !response.ok) {
    await response?.arrayBuffer();
    return undefined;
  }
  return (await response.json()) as { name: string; clientURLs: string[] };
}

/**
 * Polls PUTs until one succeeds; returns when it did, in ms since `since` (performance.now()).
 * `onAnswer` hears when the first request that got any answer was sent: the front door was accepting
 * by then (it holds a request while the cluster elects, so that answer itself comes late).
 */
export async function firstSuccessfulWrite(
  url: string,
  key: string,
  since: number,
  timeoutMs: number,
  /** False once the server's process is gone: stop waiting at once. */
  alive: () => boolean = () => true,
  onAnswer: (ms: number) => void = () => undefined,
): Promise<number> {
  const deadline = since + timeoutMs;
  let answered = false;
  for (;;) {
    if (!alive()) throw new Error(`the server for ${url} exited`);
    const sent = performance.now();
    const status = await putKey(url, key, 'first', 5_000).catch(() => 0);
    if (status !== 0 && !answered) {
      answered = true;
      onAnswer(sent - since);
    }
    if (status >= 200 && status < 300) return performance.now() - since;
    if (performance.now() > deadline) throw new Error(`no successful write on ${url} within ${timeoutMs} ms (last status ${status})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
