import type { GrpcCode } from '../../server/index.ts';
import { GRPC_METADATA, httpStatusFromCode, streamErrorLine, streamResultLine } from './grpc-status.ts';

const encoder = new TextEncoder();

/**
 * A streamed answer as grpc-gateway's `ForwardResponseStream` writes it: newline-delimited
 * `{"result":...}` lines, an `{"error":...}` line if the stream fails, and nothing before the
 * first line: Go's server sends the status and headers with the first write, so the client sees
 * no answer at all until the stream has something to say (a watch's `created`), and a stream
 * that fails before any result answers with the error's HTTP status.
 */
export class LineStream {
  private readonly lines: string[] = [];
  private ended = false;
  private failedWith: GrpcCode | undefined;
  private wake: (() => void) | undefined;
  private wrote = false;
  /** Called once the reader of the body goes away. */
  onCancel: (() => void) | undefined;

  result(json: string): void {
    this.push(streamResultLine(json));
  }

  /** The stream failed: its error line ends it. */
  fail(code: GrpcCode, message: string): void {
    if (this.ended) return;
    if (this.lines.length === 0 && !this.wrote) this.failedWith = code;
    this.push(streamErrorLine(code, message));
    this.end();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  /**
   * The response, once there is something to send (or the stream ended, or the client left):
   * `metadata` says whether the gRPC stream's header (Grpc-Metadata-*) had arrived.
   */
  async response(signal: AbortSignal | undefined, metadata = true): Promise<Response> {
    while (this.lines.length === 0 && !this.ended && signal?.aborted !== true) await this.next(signal);
    const headers = new Headers({ 'Content-Type': 'application/json' });
    if (metadata) headers.set(GRPC_METADATA[0], GRPC_METADATA[1]);
    const status = this.failedWith === undefined ? 200 : httpStatusFromCode(this.failedWith);
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        while (this.lines.length === 0 && !this.ended) await this.next(undefined);
        const line = this.lines.shift();
        if (line !== undefined) {
          this.wrote = true;
          controller.enqueue(encoder.encode(line));
        } else {
          controller.close();
        }
      },
      cancel: () => {
        this.ended = true;
        this.onCancel?.();
      },
    });
    return new Response(body, { status, headers });
  }

  private push(line: string): void {
    if (this.ended) return;
    this.lines.push(line);
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private next(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }
}
