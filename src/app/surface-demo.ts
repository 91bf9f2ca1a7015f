/**
 * The app sub-surface of `cairn demo`: the bundled-data analysis (decoder, North Korea's routes,
 * the Sony ACH case), without the intel, store or bus modules of app. A thin re-export of demo.ts.
 */
export { DemoResult, demoAnalysis, type DemoInput } from './demo.js';
