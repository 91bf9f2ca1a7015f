/**
 * Vite configuration of the browser workspace: Preact's preset, the app under web/, the build in
 * web/dist (served by src/server as static files). No inline script anywhere, so the server's CSP
 * `script-src 'self'` holds: the module-preload polyfill (an inline helper in some set-ups) is off.
 */
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    host: '127.0.0.1',
    // `vite dev` forwards the API to a `cairn serve` on its default port.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
