/**
 * The app sub-surface of `cairn ach`: analysis of competing hypotheses over a case file, without
 * the routing, intel, store or bus modules of app. A thin re-export of ach.ts.
 */
export { AchCaseError, AchResult, achAnalyze, achFormatOption, type AchInput } from './ach.js';
