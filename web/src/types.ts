/**
 * The result shapes the API wraps in its envelope, taken from app's zod schemas (type-only
 * imports, erased by the build), so the workspace reads exactly what the CLI's --json prints.
 */
export type {
  AchResult,
  AlertJson,
  AsResult,
  CountriesResult,
  CountryRank,
  CountryResult,
  IntelAttributeResult,
  IntelEvidenceItem,
  IntelImportResult,
  IntelIndicator,
  IntelShowResult,
  IntelSimilarResult,
  IpResult,
  OutageBinLine,
  OutageEventLine,
  OutagesResult,
  OutageListItem,
  OutageLifeCycle,
  PrefixResult,
  AchView,
  AchCaseSummary,
  IntelCase,
  HistoryDependencyResult,
  IngestStatusResult,
  WhatIfResult,
} from '../../src/app/index.js';
