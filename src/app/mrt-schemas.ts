/**
 * The shapes of the MRT questions' inputs and results (app/mrt.ts), as zod schemas. Apart from
 * app/mrt.ts so that `cairn mrt dump` starts without loading zod.
 */
import { z } from 'zod';
import { ProblemJson } from './problem-schema.js';

export { ProblemJson };

export const ElementTypeName = z.enum(['A', 'W', 'B', 'STATE']);
export const DecompressorChoice = z.enum([
  'auto',
  'native',
  'js',
  'lbzip2',
  'bzip2',
  'zlib',
  'igzip',
  'libdeflate',
]);
export type DecompressorChoice = z.infer<typeof DecompressorChoice>;

/** An element filter: every given list must match (an element passes a list matching any member). */
export const ElementFilter = z.object({
  type: z.array(ElementTypeName).optional(),
  /** Prefixes: an element's prefix equal to one of them or inside it. */
  prefix: z.array(z.string()).optional(),
  /** AS numbers, as numbers or text such as `AS3356`. */
  peerAs: z.array(z.union([z.number(), z.string()])).optional(),
  originAs: z.array(z.union([z.number(), z.string()])).optional(),
});
export type ElementFilter = z.infer<typeof ElementFilter>;

export const DumpInput = ElementFilter.extend({
  files: z.array(z.string()).min(1),
  format: z.enum(['bgpdump', 'jsonl']).default('bgpdump'),
  /** Stop at the first problem in the input (the problem is thrown). */
  strict: z.boolean().optional(),
  decompressor: DecompressorChoice.optional(),
  /**
   * Files decoded at once in worker threads (default: what the input and the cores pay for,
   * app/mrt-jobs.ts; 1: one file at a time).
   */
  jobs: z.number().int().min(1).optional(),
});
export type DumpInput = z.input<typeof DumpInput>;

export const DumpSummary = z.object({
  files: z.number(),
  problems: z.number(),
  /** The output closed before the end (a reader that stopped early, `| head`). */
  outputClosed: z.boolean(),
});
export type DumpSummary = z.infer<typeof DumpSummary>;

export const MrtStatsInput = z.object({
  file: z.string(),
  strict: z.boolean().optional(),
  decompressor: DecompressorChoice.optional(),
});
export type MrtStatsInput = z.input<typeof MrtStatsInput>;

export const MrtStatsResult = z.object({
  file: z.string(),
  compression: z.string(),
  decompressor: z.string(),
  bytes: z.number(),
  /** Files decoded at once by the command (`mrtStatsEach`, `mrt stats`); absent from `mrtStats`. */
  jobs: z.number().optional(),
  records: z.number(),
  recordTypes: z.record(z.string(), z.number()),
  elements: z.object({ A: z.number(), W: z.number(), B: z.number(), STATE: z.number() }),
  peers: z.number(),
  ipv4Prefixes: z.number(),
  ipv6Prefixes: z.number(),
  firstTimestamp: z.string().nullable(),
  lastTimestamp: z.string().nullable(),
  problems: z.object({
    count: z.number(),
    byCode: z.record(z.string(), z.number()),
    first: z.array(ProblemJson),
    /** The problem that stopped the read before the end of the file (a cut or corrupt stream), if any. */
    incomplete: ProblemJson.optional(),
  }),
});
export type MrtStatsResult = z.infer<typeof MrtStatsResult>;
