/**
 * How long work tells its caller what it is doing, without knowing who is listening: the CLI
 * draws a bar on a terminal, the server sends events, tests count. Problems in the input are
 * reported and the work goes on; the caller decides how many to show.
 */
import type { CairnError } from '../errors/index.js';

export interface ProgressReport {
  /** What is being done, for example `loading data/mrt/x.gz`. */
  label: string;
  done: number;
  total?: number;
  unit: 'bytes' | 'files' | 'items';
}

export interface WorkHooks {
  onProgress?(report: ProgressReport): void;
  /** Called once per problem found in the input (the work goes on). */
  onProblem?(problem: CairnError): void;
  /** Called when a labelled piece of work ends (a progress bar is then taken down). */
  onDone?(label: string): void;
}
