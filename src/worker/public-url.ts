import { MEMBER_HEADER } from '../member/index.ts';

/**
 * A deployed cluster's members advertise the worker's public URL as their client URL (etcd's
 * `--advertise-client-urls`), so `etcdctl` endpoint sync and python-etcd's machine list reach
 * it. No var has to name it: the first request an isolate serves came to that URL, and the
 * front door tells every member its origin (each keeps the first it hears). Done once per
 * isolate, before that first request is forwarded, so a member starts knowing its URL.
 */
export class PublicURLAnnouncer {
  private done = false;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly namespace: DurableObjectNamespace,
    private readonly members: readonly string[],
  ) {}

  /** Resolves once every member has heard `origin` (or at once if they all have already). */
  announce(origin: string): Promise<void> {
    if (this.done) return Promise.resolve();
    this.inFlight ??= this.tell(origin).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async tell(origin: string): Promise<void> {
    const results = await Promise.all(
      this.members.map(async (name) => {
        try {
          const stub = this.namespace.get(this.namespace.idFromName(name));
          const response = await stub.fetch('http://member/admin/public-url', { method: 'POST', headers: { [MEMBER_HEADER]: name }, body: origin });
          await response.body?.cancel();
          return response.ok;
        } catch {
          return false;
        }
      }),
    );
    // A member that missed it hears it with the next request instead.
    if (results.every(Boolean)) this.done = true;
  }
}
