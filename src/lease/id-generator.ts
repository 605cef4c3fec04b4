import type { LeaseId } from './lease.ts';

const TIMESTAMP_BITS = 40n;
const COUNTER_BITS = 8n;
const SUFFIX_BITS = TIMESTAMP_BITS + COUNTER_BITS;
const SUFFIX_MASK = (1n << SUFFIX_BITS) - 1n;
const INT63_MASK = (1n << 63n) - 1n;

/**
 * etcd's `idutil.Generator` (pkg/idutil/id.go): unique IDs without coordination. The top 2 bytes
 * are the member ID's low 16 bits, the next 5 the start time in Unix milliseconds, the low byte a
 * counter; `next` increments the 6-byte suffix, letting the counter carry into the timestamp (as
 * etcd intends: a restart later than 1 ms starts past every ID issued before, at < 256 IDs/ms).
 * Time is an input: the caller passes the member's start time once.
 */
export class IdGenerator {
  private readonly prefix: bigint;
  private suffix: bigint;

  /**
   * @param memberId the member's 64-bit ID (a hex member ID string converts with
   *   `BigInt('0x' + id)`); only its low 16 bits are used, as etcd's `uint16(id)`.
   * @param startUnixMs the member's start time, Unix epoch milliseconds.
   */
  constructor(memberId: bigint, startUnixMs: number) {
    this.prefix = BigInt.asUintN(16, memberId) << SUFFIX_BITS;
    this.suffix = BigInt.asUintN(Number(TIMESTAMP_BITS), BigInt(Math.floor(startUnixMs))) << COUNTER_BITS;
  }

  /** The next ID as etcd's uint64. */
  next(): bigint {
    this.suffix = BigInt.asUintN(64, this.suffix + 1n);
    return this.prefix | (this.suffix & SUFFIX_MASK);
  }

  /**
   * A lease ID as etcd's `LeaseGrant` picks one when the client gave 0: the next ID with the sign
   * bit cleared ("only use positive int64 id's"), drawn again while it is 0. etcd draws request
   * IDs from the same generator, so consecutive grants there are 2 apart; here they are 1 apart
   * unless the server shares the generator the same way.
   */
  nextLeaseId(): LeaseId {
    for (;;) {
      const id = this.next() & INT63_MASK;
      if (id !== 0n) return id;
    }
  }
}
