import { describe, expect, it } from 'vitest';
import { runAbuse } from '../../scripts/abuse/abuse-run.ts';

/**
 * `npm run abuse` shortened for CI (10 s quiet, 30 s abused, 600 idle polls against a cap of 400,
 * a 3,000-key tree (seeding 10,000 takes minutes on a loaded machine)): every bound answers with its error, no member resets, nothing acknowledged
 * is lost. The p99 ratio is asserted loosely (no request hangs: abused p99 under 10 s) because
 * the CI machine is shared; the 2x goal is `npm run abuse`'s, and its figures are in the README.
 */
describe('abuse run (shortened)', () => {
  it('keeps every member up, loses nothing and answers every abuser with its limit', async () => {
    const report = await runAbuse({ quietMs: 10_000, abuseMs: 30_000, idlePolls: 600, maxWatchers: 400, treeKeys: 3_000, legitRate: 40 }, () => {});
    console.log(JSON.stringify(report));
    // Those up to the cap wait; those above it are told so at once (429), none hangs unanswered.
    expect(report.idlePolls.waiting).toBe(400);
    expect(report.idlePolls.refused429).toBe(200);
    expect(report.idlePolls.other).toBe(0);
    expect(Object.keys(report.abuse.oversizedDeclared!)).toEqual(['413']);
    expect(Object.keys(report.abuse.v3TooLarge!)).toEqual(['429 too large']);
    expect(Object.keys(report.abuse.v2FormTooLarge!).every((k) => k.startsWith('400 '))).toBe(true);
    expect(Object.keys(report.abuse.rewatch401!)).toEqual(['401']);
    expect(report.abuse.wrongPassword!['429']).toBeGreaterThan(0);
    expect(report.recursiveGet.count).toBeGreaterThan(0);
    expect(report.recursiveGet.nodes).toBeGreaterThan(3_000);
    expect(report.leaderChanges).toBe(0);
    expect(report.termAfter).toBe(report.termBefore);
    expect(report.acknowledgedWrites).toBeGreaterThan(200);
    expect(report.lostWrites).toBe(0);
    // Under a shared machine's load a few legitimate requests may time out (their statuses are in
    // the report); never more than 2 in 100.
    expect(report.legitRequests.failed).toBeLessThanOrEqual((report.legitRequests.quiet + report.legitRequests.abused) / 50);
    expect(report.abusedP99Ms).toBeLessThan(10_000);
  });
});
