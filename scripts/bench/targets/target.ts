/** One system under test, serving etcd's v2 API on `url`. */
export interface Target {
  name: TargetName;
  url: string;
  stop(): Promise<void>;
}

export type TargetName = 'edgecd' | 'probe' | 'etcd';
export const TARGET_NAMES: readonly TargetName[] = ['edgecd', 'probe', 'etcd'];
