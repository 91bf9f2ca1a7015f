/**
 * The element bus (NATS JetStream): publishers put segments of elements on a durable stream with
 * message ids the stream deduplicates on; ingest workers read them through a durable pull
 * consumer and acknowledge a segment once it is committed; a restarted worker replays what was
 * acknowledged to rebuild its state. The payload is opaque here.
 *
 * @example
 * const publisher = await BusPublisher.open('nats://127.0.0.1:4222');
 * await publisher.publish(sourceSubject('rrc00'), { segment: hash, part: 0, data, end: { path, size } });
 * await publisher.close();
 */
export {
  BusConnection,
  BusConsumer,
  BusPublisher,
  type BusMessage,
  type BusOptions,
  type ConsumerOptions,
  type PublisherOptions,
  type PublisherStats,
  type SegmentEnd,
  type SegmentPart,
} from './bus.js';
export {
  BUS_SUBJECT_PREFIX,
  DEFAULT_BUS_STREAM,
  isBusUrl,
  parseBusUrl,
  sourceSubject,
  type BusUrl,
} from './url.js';
