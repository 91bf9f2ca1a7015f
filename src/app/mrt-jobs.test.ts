import { describe, expect, it } from 'vitest';
import { chooseMrtJobs, mrtFileSize, type MrtFileKind, type MrtFileSize } from './mrt-jobs.js';

const MB = 1_000_000;
const files = (n: number, mb: number, kind: MrtFileKind = 'gzip'): MrtFileSize[] =>
  Array.from({ length: n }, () => ({ bytes: mb * MB, kind }));

describe('chooseMrtJobs', () => {
  it('takes --jobs as asked, at most one per file, on any machine and any input', () => {
    expect(chooseMrtJobs({ requested: 2, files: files(5, 0.01), cores: 1 })).toEqual({
      jobs: 2,
      reason: 'asked',
    });
    expect(chooseMrtJobs({ requested: 8, files: files(3, 0.01), cores: 64 }).jobs).toBe(3);
    expect(chooseMrtJobs({ requested: 1, files: files(48, 100), cores: 64 }).jobs).toBe(1);
  });

  it('runs one job for one file', () => {
    expect(chooseMrtJobs({ files: files(1, 1000), cores: 64 })).toEqual({ jobs: 1, reason: 'one file' });
  });

  it('runs one job on up to three cores, however large the input', () => {
    // Two workers at most there: a byte costs more in a worker, and two never catch up.
    for (const cores of [1, 2, 3])
      expect(chooseMrtJobs({ files: files(48, 100), cores })).toEqual({ jobs: 1, reason: 'cores' });
  });

  it('runs one job below the crossover, workers above it', () => {
    // The bench's 48-file input, 15.2 MB of gzip updates: one job even on 16 cores.
    expect(chooseMrtJobs({ files: files(48, 0.316), cores: 16 })).toEqual({ jobs: 1, reason: 'small input' });
    // 4 cores: three workers pay from about 62 MB.
    expect(chooseMrtJobs({ files: files(50, 1), cores: 4 }).jobs).toBe(1);
    expect(chooseMrtJobs({ files: files(100, 1), cores: 4 })).toEqual({ jobs: 3, reason: 'input size' });
    // 5 cores and more: four workers (the most by default) pay from about 32 MB.
    expect(chooseMrtJobs({ files: files(20, 1), cores: 16 }).jobs).toBe(1);
    expect(chooseMrtJobs({ files: files(40, 1), cores: 16 }).jobs).toBe(4);
    expect(chooseMrtJobs({ files: files(40, 1), cores: 5 }).jobs).toBe(4);
  });

  it('runs at most one worker per file', () => {
    expect(chooseMrtJobs({ files: files(3, 30), cores: 16 }).jobs).toBe(3);
    expect(chooseMrtJobs({ files: files(2, 100), cores: 16 }).jobs).toBe(1); // two workers never pay
  });

  it('counts the largest file whole: one worker decodes it alone', () => {
    const skewed = [...files(1, 100), ...files(3, 1)];
    expect(chooseMrtJobs({ files: skewed, cores: 16 }).jobs).toBe(1);
    expect(chooseMrtJobs({ files: files(4, 25.75), cores: 16 }).jobs).toBe(4);
  });

  it('weighs bzip2 above gzip and plain files below it', () => {
    expect(chooseMrtJobs({ files: files(8, 1, 'bzip2'), cores: 16 }).jobs).toBe(4);
    expect(chooseMrtJobs({ files: files(8, 1, 'gzip'), cores: 16 }).jobs).toBe(1);
    expect(chooseMrtJobs({ files: files(8, 5, 'plain'), cores: 16 }).jobs).toBe(1);
    expect(chooseMrtJobs({ files: files(8, 25, 'plain'), cores: 16 }).jobs).toBe(4);
  });
});

describe('mrtFileSize', () => {
  it('reads the kind from the first bytes and the size from the file system', () => {
    const root = new URL('../../data/mrt/', import.meta.url);
    const gz = mrtFileSize(new URL('ripe-bgpdump/updates.20100722.2015.gz', root).pathname);
    expect(gz).toEqual({ bytes: 39_512, kind: 'gzip' });
    expect(mrtFileSize(new URL('pyasn/rib.20140523.0600_firstMB.bz2', root).pathname).kind).toBe('bzip2');
    expect(mrtFileSize(new URL('mrtparse-samples/openbgpd_rib_table-v2', root).pathname).kind).toBe('plain');
  });

  it('weighs a file it cannot read as nothing (the decoder reports it in its place)', () => {
    expect(mrtFileSize('/nonexistent/cairn-mrt-jobs')).toEqual({ bytes: 0, kind: 'plain' });
  });
});
