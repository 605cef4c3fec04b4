/**
 * Metrics as Prometheus' client_golang keeps and etcd serves them: counters, gauges and
 * histograms in a registry, gathered as plain families and written in the text exposition
 * format. Pure: values (durations included) are handed in; nothing here reads a clock.
 */
export { exponentialBuckets, mergeFamilies, withLabels, type HistogramSample, type Labels, type MetricFamily, type ScalarSample } from './family.ts';
export { Counter, Gauge, Histogram, type Collector, type MetricOptions } from './metric.ts';
export { Registry } from './registry.ts';
export { formatFloat, TEXT_CONTENT_TYPE, writeText } from './text-format.ts';
export { parseText, type ParsedSample } from './parse-text.ts';
export { CLUSTER_VERSION, DISK, HEALTH, HTTP, NETWORK, PROCESS, SERVER, STORE } from './etcd-names.ts';
export { EDGECD } from './edgecd-names.ts';
export { MVCC, registerMvccMetrics, type MvccCounts, type MvccReadings } from './mvcc-names.ts';
