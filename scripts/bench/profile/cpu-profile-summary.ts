/**
 * Where a V8 CPU profile (DevTools `Profiler.stop`, or `node --cpu-prof`) spends its time: self
 * and inclusive time per function, and self time per source file. For edgecd's bundled worker, a
 * bundle line is mapped back to its `src/...` module through esbuild's `// src/...` markers.
 */

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  gcMs: number;
  programMs: number;
  /** Self time by function (name @ file:line), largest first. */
  selfByFunction: { name: string; ms: number }[];
  /** Time with the function anywhere on the stack, largest first. */
  inclusiveByFunction: { name: string; ms: number }[];
  /** Self time by source file (the `name` field), largest first. */
  selfByFile: { name: string; ms: number }[];
  /** Busy time by the role of the code on the stack (see `roleOfStack`). */
  byRole: Record<Role, number>;
}

export const ROLES = ['leader', 'followers', 'front door', 'unattributed'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The role a stack's time belongs to, edgecd's three members and its front door sharing one
 * isolate locally. Any frame of `src/worker/` is the front door (a member never runs inside a
 * front-door stack: a stub call is an I/O hop). Otherwise the frame nearest the leaf that only
 * one role runs: the member's ready-loop turn is entered as `leaderTurn` or `followerTurn`
 * (src/member/member.ts names them so); `Member.fetch` and the client handlers of `src/http/`
 * are a client request, which the front door sends to the leader only; `Member.raft` is a peer batch received, which under load only
 * followers get (their acknowledgements ride the answer); the peer channel's `post` is the
 * sender's, the leader's (followers send only on elections and snapshots). GC, `(program)` and
 * the runtime's own frames stay unattributed.
 */
function roleOfStack(frames: readonly { functionName: string; file: string }[]): Role {
  if (frames.some((f) => f.file.startsWith('src/worker/'))) return 'front door';
  for (const { functionName, file } of frames) {
    if (functionName === 'leaderTurn') return 'leader';
    if (functionName === 'followerTurn') return 'followers';
    if (file === 'src/member/member.ts' && functionName === 'fetch') return 'leader';
    // A client request's handler resumed after an await (its stack starts there, not at fetch).
    if (file.startsWith('src/http/')) return 'leader';
    if (file === 'src/member/member.ts' && functionName === 'raft') return 'followers';
    if (file === 'src/member/peer-transport.ts' && functionName === 'post') return 'leader';
  }
  return 'unattributed';
}

/** Line (0-based) → module, from esbuild's `// path` comments that open each module's code. */
export function bundleModuleMap(bundle: string): (line: number) => string {
  const marks: { line: number; file: string }[] = [];
  bundle.split('\n').forEach((text, line) => {
    const match = /^\/\/ ((?:src|node_modules|scripts)\/\S+)$/.exec(text);
    if (match !== null) marks.push({ line, file: match[1]! });
  });
  return (line) => {
    let lo = 0;
    let hi = marks.length - 1;
    let found = '(bundle)';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (marks[mid]!.line <= line) {
        found = marks[mid]!.file;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

export function summarizeProfile(profile: CpuProfile, moduleOf?: (url: string, line: number) => string | undefined): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const fileOf = (id: number): string => {
    const frame = byId.get(id)!.callFrame;
    return moduleOf?.(frame.url, frame.lineNumber) ?? (frame.url === '' ? '(native)' : frame.url.replace(/^.*\/(node_modules\/)/, '$1'));
  };
  const nameOf = (id: number): string => {
    const frame = byId.get(id)!.callFrame;
    return `${frame.functionName === '' ? '(anonymous)' : frame.functionName} @ ${fileOf(id)}:${frame.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const files = new Map<string, number>();
  const byRole: Record<Role, number> = { leader: 0, followers: 0, 'front door': 0, unattributed: 0 };
  let totalUs = 0;
  let idleUs = 0;
  let gcUs = 0;
  let programUs = 0;
  profile.samples.forEach((id, i) => {
    // timeDeltas[i] is the time before sample i; attribute it to the sample (DevTools does the same).
    const us = profile.timeDeltas[i] ?? 0;
    totalUs += us;
    const fn = byId.get(id)!.callFrame.functionName;
    if (fn === '(idle)') return void (idleUs += us);
    if (fn === '(garbage collector)') gcUs += us;
    if (fn === '(program)') programUs += us;
    const name = nameOf(id);
    self.set(name, (self.get(name) ?? 0) + us);
    files.set(fileOf(id), (files.get(fileOf(id)) ?? 0) + us);
    const stack: { functionName: string; file: string }[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push({ functionName: byId.get(at)!.callFrame.functionName, file: fileOf(at) });
    byRole[roleOfStack(stack)] += us / 1000;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frameName = byId.get(at)!.callFrame.functionName;
      if (frameName === '(root)') break;
      const key = nameOf(at);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  });
  const sorted = (map: Map<string, number>): { name: string; ms: number }[] =>
    [...map].map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
  return {
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    gcMs: gcUs / 1000,
    programMs: programUs / 1000,
    selfByFunction: sorted(self),
    inclusiveByFunction: sorted(inclusive),
    selfByFile: sorted(files),
    byRole,
  };
}

export function renderSummary(title: string, s: ProfileSummary, top = 25): string {
  const busy = s.totalMs - s.idleMs;
  const pct = (ms: number): string => `${((100 * ms) / Math.max(busy, 1e-9)).toFixed(1).padStart(5)}%`;
  const lines = [
    `${title}: ${(s.totalMs / 1000).toFixed(1)} s sampled, busy ${(busy / 1000).toFixed(2)} s (${((100 * busy) / s.totalMs).toFixed(0)}%), ` +
      `GC ${pct(s.gcMs)}, (program) ${pct(s.programMs)} of busy`,
    `  busy time by role: ${ROLES.map((role) => `${role} ${pct(s.byRole[role]).trim()}`).join(', ')}`,
    '  self time by source file:',
    ...s.selfByFile.slice(0, 15).map((f) => `    ${pct(f.ms)}  ${f.name}`),
    '  self time by function:',
    ...s.selfByFunction.slice(0, top).map((f) => `    ${pct(f.ms)}  ${f.name}`),
    '  inclusive time by function:',
    ...s.inclusiveByFunction.slice(0, top).map((f) => `    ${pct(f.ms)}  ${f.name}`),
  ];
  return lines.join('\n');
}
