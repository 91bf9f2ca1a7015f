/**
 * MISP out (issue #23): a case written as a MISP event, bare (as PyMISP's `to_json` writes it) or
 * enveloped (`{"Event": …}`, as MISP's REST API and feeds write it), with cairn's attribution as
 * tags and an annotation object. The event is written to the stream as it is produced, waiting
 * for the reader between chunks, so a case of any size goes out in bounded memory.
 *
 * @example
 * import { intelExportMisp } from '../app/index.js';
 * await intelExportMisp({ case: 'data/intel/misp-events/eset/turla/misp-mosquito-event.json', envelope: true }, process.stdout);
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { z } from 'zod';
import { attribute, mispEventChunks } from '../intel/index.js';
import type { Attribution, MispAttribution } from '../intel/index.js';
import { loadCaseWorkspace } from './intel.js';
import type { IntelCaseInput } from './intel.js';
import type { WorkHooks } from './progress.js';

/** Chunks are gathered up to this many characters before each write. */
const WRITE_CHUNK = 1 << 16;

/** Options of `intelExportMisp`. */
export const IntelMispExportInput = z.object({
  /** `{"Event": …}` rather than the bare event. */
  envelope: z.boolean().optional(),
  /** Run cairn's attribution and write it as tags and an annotation object (default true). */
  attribution: z.boolean().optional(),
});
export type IntelMispExportInput = z.infer<typeof IntelMispExportInput>;

/** What was written. */
export const IntelMispExportResult = z.object({
  caseId: z.string(),
  characters: z.number(),
  verdict: z.string().optional(),
});
export type IntelMispExportResult = z.infer<typeof IntelMispExportResult>;

function attributionOf(a: Attribution): MispAttribution {
  return {
    verdict: a.verdict,
    reason: a.reason,
    candidates: a.candidates.map((c) => ({
      actor: c.actor,
      confidence: c.confidence,
      evidence: c.evidence.map((e) => ({
        ...(e.type !== undefined ? { type: e.type } : {}),
        value: e.value,
        feature: e.feature,
        note: e.note,
      })),
    })),
  };
}

/** Writes `text` and, when the stream's buffer is full, waits until it drains (or closes). */
async function write(out: Writable, text: string): Promise<void> {
  if (out.destroyed || out.writableEnded) return;
  if (!out.write(text)) await Promise.race([once(out, 'drain'), once(out, 'close')]);
}

/** A case as a MISP event, written to `out` as it is produced. */
export async function intelExportMisp(
  input: IntelCaseInput & IntelMispExportInput,
  out: Writable,
  hooks: WorkHooks = {},
): Promise<IntelMispExportResult> {
  const { graph, query, correlator } = await loadCaseWorkspace(input, hooks);
  let attribution: Attribution | undefined;
  if (input.attribution !== false) {
    const profile = correlator.profileOfCase(query.caseId);
    attribution = attribute(correlator, profile, { exclude: new Set([query.caseId]) });
  }
  let pending = '';
  let characters = 0;
  const chunks = mispEventChunks(graph, query.caseId, {
    envelope: input.envelope === true,
    ...(attribution !== undefined ? { attribution: attributionOf(attribution) } : {}),
  });
  for (const chunk of chunks) {
    pending += chunk;
    if (pending.length < WRITE_CHUNK) continue;
    characters += pending.length;
    await write(out, pending);
    pending = '';
  }
  characters += pending.length + 1;
  await write(out, pending + '\n');
  return {
    caseId: query.caseId,
    characters,
    ...(attribution !== undefined ? { verdict: attribution.verdict } : {}),
  };
}
