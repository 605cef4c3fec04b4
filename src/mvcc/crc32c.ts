/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum etcd's `HashByRev` takes
 * with `crc32.MakeTable(crc32.Castagnoli)`. Table-driven, over byte strings (one char per byte).
 */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** A running CRC-32C, as Go's `hash.Hash32`: `write` as often as needed, then `sum`. */
export class Crc32c {
  private crc = 0xffffffff;

  write(bytes: string): void {
    let crc = this.crc;
    for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
    this.crc = crc;
  }

  /** The checksum so far, as an unsigned 32-bit number. */
  sum(): number {
    return (this.crc ^ 0xffffffff) >>> 0;
  }
}

export function crc32c(bytes: string): number {
  const h = new Crc32c();
  h.write(bytes);
  return h.sum();
}
