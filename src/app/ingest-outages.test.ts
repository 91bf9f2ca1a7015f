import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { orderMrtFiles } from './replay.js';
import { defaultIngestJobs, OUTAGE_WORKER_MIN_CORES, OUTAGE_WORKER_MIN_ELEMENTS } from './ingest-outages.js';

const head = (elements: number) => ({ time: 0, rib: false, peers: 1, elements });

describe('defaultIngestJobs', () => {
  it('keeps outage detection on the main thread below the threshold, summed over the files', () => {
    expect(defaultIngestJobs([head(OUTAGE_WORKER_MIN_ELEMENTS - 1)], 8)).toBe(1);
    expect(defaultIngestJobs([head(OUTAGE_WORKER_MIN_ELEMENTS)], 8)).toBe(8);
    expect(
      defaultIngestJobs([head(OUTAGE_WORKER_MIN_ELEMENTS / 2), head(OUTAGE_WORKER_MIN_ELEMENTS / 2)], 4),
    ).toBe(4);
    expect(defaultIngestJobs([], 4)).toBe(1);
  });

  it('keeps one thread on fewer cores than the worker needs, whatever the input', () => {
    expect(OUTAGE_WORKER_MIN_CORES).toBe(3);
    expect(defaultIngestJobs([head(10 * OUTAGE_WORKER_MIN_ELEMENTS)], 2)).toBe(1);
    expect(defaultIngestJobs([head(10 * OUTAGE_WORKER_MIN_ELEMENTS)], 1)).toBe(1);
    expect(defaultIngestJobs([head(OUTAGE_WORKER_MIN_ELEMENTS)], 3)).toBe(3);
  });

  it('gives the bundled table one thread, and two files of its size the cores', async () => {
    const file = fileURLToPath(
      new URL('../../data/mrt/ripe-bgpdump/updates.et-header.2015.gz', import.meta.url),
    );
    const [bundled] = await orderMrtFiles([file]);
    expect(bundled.elements).toBeGreaterThan(500_000);
    expect(defaultIngestJobs([bundled], 4)).toBe(1);
    expect(defaultIngestJobs([bundled, bundled], 4)).toBe(4);
    expect(defaultIngestJobs([bundled, bundled], 2)).toBe(1);
  });
});
