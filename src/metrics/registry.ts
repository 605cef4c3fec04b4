import type { MetricFamily, ScalarSample } from './family.ts';
import { Counter, Gauge, Histogram, ValueFunction, type Collector, type MetricOptions } from './metric.ts';

/**
 * client_golang's `Registry`: the families a program exposes, gathered in name order. Names are
 * unique (client_golang refuses a second registration of a name; so does this).
 */
export class Registry {
  private readonly collectors = new Map<string, Collector>();

  counter(options: MetricOptions): Counter {
    return this.register(new Counter(options));
  }

  gauge(options: MetricOptions): Gauge {
    return this.register(new Gauge(options));
  }

  histogram(options: MetricOptions & { buckets: readonly number[] }): Histogram {
    return this.register(new Histogram(options, options.buckets));
  }

  /** A gauge read when gathered: one value, or samples with labels. */
  gaugeFunction(options: MetricOptions, read: () => number | readonly ScalarSample[]): void {
    this.register(new ValueFunction(options, 'gauge', read));
  }

  /** A counter whose total the program already keeps elsewhere (read when gathered). */
  counterFunction(options: MetricOptions, read: () => number | readonly ScalarSample[]): void {
    this.register(new ValueFunction(options, 'counter', read));
  }

  register<C extends Collector>(collector: C): C {
    if (this.collectors.has(collector.name)) throw new Error(`${collector.name} is already registered`);
    this.collectors.set(collector.name, collector);
    return collector;
  }

  has(name: string): boolean {
    return this.collectors.has(name);
  }

  /** Every family with at least one sample, sorted by name (client_golang's `Gather`). */
  gather(): MetricFamily[] {
    const families: MetricFamily[] = [];
    for (const collector of this.collectors.values()) {
      const family = collector.collect();
      if (family !== undefined && family.samples.length > 0) families.push(family);
    }
    return families.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
