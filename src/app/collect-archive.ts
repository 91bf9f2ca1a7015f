/**
 * The collector's MRT archive: the wiring between the sink interface the collector defines
 * (bgp/collector `CollectorArchive`) and the MRT archive writer (mrt `MrtArchiveWriter`). It lives
 * here because mrt sits above bgp in the module map: the collector cannot name the MRT writer, and
 * the MRT writer has no business knowing about collector sessions.
 *
 * @example
 * const archive = createCollectorArchive(config, { logger });
 * const collector = new BgpCollector(config, { logger, archive });
 * // ... archive.writer.records, archive.writer.files
 */
import type { Logger } from 'pino';
import type {
  ArchiveSessionInfo,
  CollectorArchive,
  CollectorConfig,
  SessionArchive,
} from '../bgp/collector/index.js';
import type { Clock } from '../bgp/index.js';
import type { CairnError } from '../errors/index.js';
import { bgp4mpPeer, MrtArchiveWriter } from '../mrt/index.js';

/** A `CollectorArchive` that writes BGP4MP_ET records through an `MrtArchiveWriter`. */
export class MrtCollectorArchive implements CollectorArchive {
  constructor(readonly writer: MrtArchiveWriter) {}

  get congested(): boolean {
    return this.writer.congested;
  }

  session(info: ArchiveSessionInfo): SessionArchive {
    const writer = this.writer;
    const peer = bgp4mpPeer(info.peerAsn, info.localAsn, info.peerAddress, info.localAddress, info.as4);
    return {
      message: (time, raw, addPath) => writer.bgp4mpMessage(peer, time.seconds, time.micros, raw, addPath),
      stateChange: (time, oldState, newState) =>
        writer.bgp4mpStateChange(peer, time.seconds, time.micros, oldState, newState),
    };
  }

  onDrain(listener: () => void): void {
    this.writer.onDrain(listener);
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}

export interface CollectorArchiveOptions {
  /** Where write errors and closed files are logged (as the collector logs them). */
  logger?: Logger;
  /** The time for rotation and flushes; default the real one. Give the collector's. */
  clock?: Clock;
  /** Milliseconds between sync flushes; default 1000, 0 turns them off. */
  flushIntervalMs?: number;
  onError?(error: CairnError): void;
  onFileClosed?(path: string): void;
}

/** The flush interval asked for: the option's, else the configuration's `flushSeconds`, else the writer's default. */
function flushInterval(
  config: Partial<Pick<CollectorConfig, 'flushSeconds'>>,
  options: CollectorArchiveOptions,
): { flushIntervalMs?: number } {
  if (options.flushIntervalMs !== undefined) return { flushIntervalMs: options.flushIntervalMs };
  if (config.flushSeconds !== undefined)
    return { flushIntervalMs: Math.max(1, Math.round(config.flushSeconds * 1000)) };
  return {};
}

/** The MRT archive a configuration asks for: gzip files in `outputDirectory`, rotated as configured. */
export function createCollectorArchive(
  config: Pick<CollectorConfig, 'outputDirectory' | 'rotationMinutes' | 'gzipLevel'> &
    Partial<Pick<CollectorConfig, 'flushSeconds'>>,
  options: CollectorArchiveOptions = {},
): MrtCollectorArchive {
  const { logger } = options;
  return new MrtCollectorArchive(
    new MrtArchiveWriter({
      directory: config.outputDirectory,
      rotationMinutes: config.rotationMinutes,
      gzipLevel: config.gzipLevel,
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
      ...flushInterval(config, options),
      onError: (error) => {
        logger?.error({ code: error.code, file: error.location.file }, error.message);
        options.onError?.(error);
      },
      onRepaired: (repair) =>
        logger?.warn(
          { code: 'MRT_ARCHIVE_REPAIRED', ...repair },
          repair.action === 'cut'
            ? `cut a truncated gzip member (${repair.tailBytes} bytes) off the end of ${repair.path} before appending`
            : `moved damaged ${repair.path} aside to ${repair.movedTo}`,
        ),
      onFileClosed: (path) => {
        logger?.info({ file: path }, 'MRT file closed');
        options.onFileClosed?.(path);
      },
    }),
  );
}
