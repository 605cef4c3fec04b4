/**
 * The few Workers runtime types the probe uses. Scripts type-check against Node's types
 * (tsconfig.node.json), where `@cloudflare/workers-types` is not loaded; these mirror its shapes.
 */
declare module 'cloudflare:workers' {
  interface SqlCursor {
    toArray(): Record<string, string | number | null | ArrayBuffer>[];
  }
  interface ProbeSqlStorage {
    exec(query: string, ...bindings: (string | number | null)[]): SqlCursor;
  }
  interface ProbeStorage {
    sql: ProbeSqlStorage;
    transactionSync<T>(closure: () => T): T;
    /** Resolves once every write so far is durable. */
    sync(): Promise<void>;
    getAlarm(): Promise<number | null>;
    setAlarm(scheduledTime: number): Promise<void>;
  }
  interface ProbeState {
    storage: ProbeStorage;
  }
  interface DurableObjectId {
    readonly name?: string;
  }
  interface DurableObjectStub {
    fetch(input: string | Request, init?: RequestInit): Promise<Response>;
  }
  interface DurableObjectNamespace {
    idFromName(name: string): DurableObjectId;
    get(id: DurableObjectId): DurableObjectStub;
  }
  export abstract class DurableObject<Env = unknown> {
    protected ctx: ProbeState;
    protected env: Env;
    constructor(ctx: ProbeState, env: Env);
    fetch?(request: Request): Promise<Response>;
    alarm?(): Promise<void>;
  }
  export type { DurableObjectNamespace, DurableObjectStub, ProbeState };
}
