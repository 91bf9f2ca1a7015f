export * from './ris-live/index.js';
