// CPU of loading the bundled registry and AS names three times in one process: the first load
// parses the files, the next ones get the shared result (app/registry-files.ts).
// `npm run bench -- registry-cache` (after the build).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { loadAsNamesFile, loadRegistryFiles } = await import(join(root, 'dist/app/registry-files.js'));
for (let i = 1; i <= 3; i++) {
  const start = process.cpuUsage();
  const { registry } = await loadRegistryFiles([join(root, 'data/registry/delegated-apnic-20141009.gz')]);
  registry.countryOfAsn(131279);
  registry.prefixesOfCountry('KP');
  await loadAsNamesFile(join(root, 'data/registry/asnames.json.gz'));
  const used = process.cpuUsage(start);
  console.log(`load ${i}: ${((used.user + used.system) / 1e6).toFixed(2)} CPU s`);
}
