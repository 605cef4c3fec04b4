import type { HistogramSample, Labels, MetricFamily, ScalarSample } from './family.ts';

/** What a family needs to be declared, as client_golang's `Opts`: name, help, variable labels. */
export interface MetricOptions {
  name: string;
  help: string;
  labelNames?: readonly string[];
}

/** Anything a registry can gather from: one family, or none (a vector with no series yet). */
export interface Collector {
  readonly name: string;
  collect(): MetricFamily | undefined;
}

/**
 * The series of one family, keyed by their label values. An unlabeled family has exactly one
 * series, present from the start (client_golang shows a plain Counter at 0); a labeled one
 * shows only the series that were used (a Vec with no children is not gathered at all).
 */
abstract class Series<T> implements Collector {
  private readonly series = new Map<string, { labels: Labels; state: T }>();
  private readonly labelNames: readonly string[];

  constructor(protected readonly options: MetricOptions) {
    this.labelNames = options.labelNames ?? [];
  }

  get name(): string {
    return this.options.name;
  }

  protected abstract initial(): T;

  protected state(values: readonly string[]): T {
    if (values.length !== this.labelNames.length) {
      throw new Error(`${this.options.name}: expected ${this.labelNames.length} label values, got ${values.length}`);
    }
    const key = values.join('\u0000');
    let entry = this.series.get(key);
    if (entry === undefined) {
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, i) => (labels[name] = values[i]!));
      entry = { labels, state: this.initial() };
      this.series.set(key, entry);
    }
    return entry.state;
  }

  protected entries(): { labels: Labels; state: T }[] {
    if (this.labelNames.length === 0) this.state([]);
    return [...this.series.values()];
  }

  abstract collect(): MetricFamily | undefined;
}

interface Scalar {
  value: number;
}

/** A value that only goes up (client_golang's `Counter` / `CounterVec`). */
export class Counter extends Series<Scalar> {
  protected initial(): Scalar {
    return { value: 0 };
  }

  inc(amount = 1): void {
    this.add([], amount);
  }

  /** The unlabeled series' total. */
  get value(): number {
    return this.state([]).value;
  }

  /** The series with these label values (in `labelNames` order). */
  labels(...values: string[]): { inc(amount?: number): void } {
    const state = this.state(values);
    return { inc: (amount = 1) => add(state, amount, this.name) };
  }

  private add(values: readonly string[], amount: number): void {
    add(this.state(values), amount, this.name);
  }

  collect(): MetricFamily | undefined {
    return scalarFamily(this.options, 'counter', this.entries());
  }
}

function add(state: Scalar, amount: number, name: string): void {
  if (amount < 0) throw new Error(`${name}: a counter cannot decrease`);
  state.value += amount;
}

/** A value that goes up and down (client_golang's `Gauge` / `GaugeVec`). */
export class Gauge extends Series<Scalar> {
  protected initial(): Scalar {
    return { value: 0 };
  }

  set(value: number): void {
    this.state([]).value = value;
  }

  inc(amount = 1): void {
    this.state([]).value += amount;
  }

  dec(amount = 1): void {
    this.state([]).value -= amount;
  }

  labels(...values: string[]): { set(value: number): void; inc(amount?: number): void } {
    const state = this.state(values);
    return { set: (value) => (state.value = value), inc: (amount = 1) => (state.value += amount) };
  }

  collect(): MetricFamily | undefined {
    return scalarFamily(this.options, 'gauge', this.entries());
  }
}

interface Buckets {
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  counts: number[];
  sum: number;
}

/** Observations counted into fixed buckets (client_golang's `Histogram` / `HistogramVec`). */
export class Histogram extends Series<Buckets> {
  constructor(
    options: MetricOptions,
    readonly buckets: readonly number[],
  ) {
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i]! > buckets[i - 1]!)) throw new Error(`${options.name}: buckets must increase`);
    }
    super(options);
  }

  protected initial(): Buckets {
    return { counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0 };
  }

  observe(value: number): void {
    record(this.state([]), this.buckets, value);
  }

  labels(...values: string[]): { observe(value: number): void } {
    const state = this.state(values);
    return { observe: (value) => record(state, this.buckets, value) };
  }

  collect(): MetricFamily | undefined {
    const entries = this.entries();
    if (entries.length === 0) return undefined;
    const samples: HistogramSample[] = entries.map(({ labels, state }) => {
      const cumulative: number[] = [];
      let running = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        running += state.counts[i]!;
        cumulative.push(running);
      }
      return { labels, cumulative, sum: state.sum, count: running + state.counts[this.buckets.length]! };
    });
    return { name: this.name, help: this.options.help, type: 'histogram', buckets: [...this.buckets], samples };
  }
}

function record(state: Buckets, buckets: readonly number[], value: number): void {
  // A bucket counts observations up to and including its bound (`le`).
  let i = 0;
  while (i < buckets.length && value > buckets[i]!) i++;
  state.counts[i]!++;
  state.sum += value;
}

/**
 * A family whose samples are read when gathered (client_golang's `GaugeFunc` / `CounterFunc`,
 * or a custom `Collector`): for values the program already keeps, such as the commit index.
 */
export class ValueFunction implements Collector {
  constructor(
    private readonly options: MetricOptions,
    private readonly type: 'counter' | 'gauge',
    private readonly read: () => number | readonly ScalarSample[],
  ) {}

  get name(): string {
    return this.options.name;
  }

  collect(): MetricFamily | undefined {
    const read = this.read();
    const samples = typeof read === 'number' ? [{ labels: {}, value: read }] : [...read];
    return scalarFamily(this.options, this.type, samples.map((s) => ({ labels: s.labels, state: { value: s.value } })));
  }
}

function scalarFamily(options: MetricOptions, type: 'counter' | 'gauge', entries: { labels: Labels; state: Scalar }[]): MetricFamily | undefined {
  if (entries.length === 0) return undefined;
  return { name: options.name, help: options.help, type, samples: entries.map(({ labels, state }) => ({ labels, value: state.value })) };
}
