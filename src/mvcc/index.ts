export { NO_LEASE, type Bytes, type Event, type EventType, type KeyValue, type LeaseId } from './kv.ts';
