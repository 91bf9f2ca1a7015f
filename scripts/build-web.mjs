#!/usr/bin/env node
// Builds the browser workspace (web/) into web/dist with Vite's JS API, so `npm run build` can
// run it without a separate CLI: `node scripts/build-web.mjs`.
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const configFile = fileURLToPath(new URL('../web/vite.config.ts', import.meta.url));
await build({ configFile, logLevel: process.env.CI ? 'warn' : 'info' });
