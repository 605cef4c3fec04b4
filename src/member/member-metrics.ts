import { VERSION } from '../http/index.ts';
import { Counter, DISK, EDGECD, Histogram, NETWORK, PROCESS, SERVER, type Registry } from '../metrics/index.ts';
import type { EtcdServer } from '../server/index.ts';
import type { TurnWrites } from './metered-log-store.ts';

/**
 * The families a member's shell measures (the server keeps its own): the SQLite commit as etcd's
 * disk histograms, the peer round trips as rafthttp's, and the object as a process. They live as
 * long as the object; each server it starts gets them in its registry.
 */
export class MemberMetrics {
  readonly walFsync = new Histogram(DISK.walFsync, DISK.walFsync.buckets);
  readonly backendCommit = new Histogram(DISK.backendCommit, DISK.backendCommit.buckets);
  readonly peerRoundTrip = new Histogram(NETWORK.peerRoundTrip, NETWORK.peerRoundTrip.buckets);
  readonly peerSentFailures = new Counter(NETWORK.peerSentFailures);
  readonly peerReceivedBytes = new Counter(NETWORK.peerReceivedBytes);
  readonly requestsHeld = new Counter(EDGECD.requestsHeld);
  private readonly startedAt: number;

  constructor(now: number) {
    this.startedAt = now;
  }

  /** Adds these families, and those read from the object and the server, to a server's registry. */
  registerInto(registry: Registry, server: EtcdServer, readings: { walBytes(): number; databaseBytes(): number }): void {
    for (const collector of [this.walFsync, this.backendCommit, this.peerRoundTrip, this.peerSentFailures, this.peerReceivedBytes, this.requestsHeld]) {
      registry.register(collector);
    }
    registry.gaugeFunction(DISK.walWriteBytes, () => readings.walBytes());
    registry.gaugeFunction(SERVER.version, () => [{ labels: { server_version: VERSION.etcdserver }, value: 1 }]);
    registry.gaugeFunction(PROCESS.startTime, () => this.startedAt / 1000);
    registry.gaugeFunction(EDGECD.memberReady, () => (server.isReady ? 1 : 0));
    registry.gaugeFunction(EDGECD.sqliteBytes, () => readings.databaseBytes());
  }

  /** A turn's commit became durable after `seconds`: it counts for what the turn wrote. */
  committed(writes: TurnWrites, seconds: number): void {
    if (writes.log) this.walFsync.observe(seconds);
    if (writes.snapshot) this.backendCommit.observe(seconds);
  }
}
