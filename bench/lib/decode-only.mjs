// Child process for the MRT benchmark: decode a file with an empty visitor (the cursor API), or
// only decompress it, and print the element or byte count.
import { openByteSource, scanMrt } from '../../dist/mrt/index.js';
const [mode, file] = process.argv.slice(2);
if (mode === 'decompress') {
  const source = await openByteSource(file);
  let bytes = 0;
  try {
    for await (const chunk of source.chunks()) bytes += chunk.length;
  } catch {
    // truncated inputs end with an error after all their bytes
  }
  await source.close();
  process.stdout.write(`${bytes}\n`);
} else {
  let elements = 0;
  await scanMrt(file, () => {
    elements++;
  });
  process.stdout.write(`${elements}\n`);
}
