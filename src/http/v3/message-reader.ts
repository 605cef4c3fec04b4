import { GoJsonDecoder, type Decoded } from './go-json-decoder.ts';

export type Message = Exclude<Decoded, { more: true }>;

/**
 * The request body as the gateway's `json.Decoder` reads it: one JSON value per `next()`, read
 * from the body only as far as that value needs, so a stream (`/v3/watch`, a WebSocket's
 * messages) is answered message by message while the client is still sending.
 */
export class MessageReader {
  private readonly decoder = new GoJsonDecoder();
  private readonly reader: ReadableStreamDefaultReader<Uint8Array> | undefined;

  constructor(body: ReadableStream<Uint8Array> | null) {
    this.reader = body?.getReader();
    if (this.reader === undefined) this.decoder.end();
  }

  async next(): Promise<Message> {
    for (;;) {
      const decoded = this.decoder.next();
      if (!('more' in decoded)) return decoded;
      const chunk = await this.reader!.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) this.decoder.end();
      else this.decoder.push(chunk.value);
    }
  }

  /** Stops reading (the stream is over for the gateway). */
  cancel(): void {
    this.reader?.cancel().catch(() => undefined);
  }
}
