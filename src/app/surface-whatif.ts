/**
 * The app sub-surface of `cairn whatif`: removing ASes from a routing world loaded from files,
 * without the intel, store or bus modules of app. A thin re-export of whatif.ts.
 */
export { LinkEvidence, WhatIfCountry, WhatIfInput, WhatIfResult, whatIf } from './whatif.js';
