/**
 * etcd's `ReadyNotify` for the shell: one per server start, fired once the server's publish is
 * applied. Client requests wait on it for a while (etcd holds connections until then).
 */
export class Readiness {
  private fire: () => void = () => undefined;
  private readonly ready = new Promise<void>((resolve) => (this.fire = resolve));

  notify(): void {
    this.fire();
  }

  /** True once ready; false if `timeoutMs` pass first. */
  async wait(timeoutMs: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([this.ready.then(() => true), timedOut]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }
}
