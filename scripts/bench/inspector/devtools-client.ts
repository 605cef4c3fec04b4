import { MiniWebSocket } from './websocket.ts';

interface Reply {
  id?: number;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { message: string };
}

/**
 * The Chrome DevTools protocol over workerd's inspector: one session on one isolate
 * (`ws://127.0.0.1:<port>/core:user:<worker name>`); commands are answered by id.
 */
export class DevToolsClient {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  private constructor(private ws: MiniWebSocket | undefined) {}

  static async connect(inspectorPort: number, workerName: string): Promise<DevToolsClient> {
    const client = new DevToolsClient(undefined);
    client.ws = await MiniWebSocket.open(
      `ws://127.0.0.1:${inspectorPort}/core:user:${workerName}`,
      (text) => client.onMessage(text),
      () => client.failAll(new Error('inspector connection closed')),
    );
    return client;
  }

  /** Sends one command; resolves with its result (typed by the caller, who knows the method). */
  send<T>(method: string, params: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    const ws = this.ws;
    if (ws === undefined || ws.isClosed) return Promise.reject(new Error('inspector not connected'));
    const id = ++this.nextId;
    return new Promise<T>((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`inspector: ${method} timed out`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolvePromise(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      ws.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.ws?.close();
  }

  private onMessage(text: string): void {
    const reply = JSON.parse(text) as Reply;
    if (reply.id === undefined) return;
    const waiter = this.waiting.get(reply.id);
    if (waiter === undefined) return;
    this.waiting.delete(reply.id);
    if (reply.error !== undefined) waiter.reject(new Error(reply.error.message));
    else waiter.resolve(reply.result);
  }

  private failAll(error: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}
