// `npm run demo`: serves the demo page on 127.0.0.1 (offline: everything comes from this folder).
//   /           demo/        the page
//   /dist/      dist/        the built library (npm run build)
//   /build/     build/       the demo's MNIST digits (build/demo-digits.bin, made by npm run build)
//   /weights/   weights/     the weights `npm start` saves, if present
// The layout mirrors the repository, so any static server rooted here serves the page at /demo/ too.
//   npm run demo -- --port 8000
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startStaticServer } from '../scripts/static-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Starts the demo server; `weights` overrides the folder served at /weights/ (the tests use their own). */
export function startDemo({ port = 0, weights = join(root, 'weights'), log } = {}) {
  return startStaticServer({
    routes: { '/': join(root, 'demo'), '/dist/': join(root, 'dist'), '/build/': join(root, 'build'), '/weights/': weights },
    port,
    log,
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const portArg = process.argv.indexOf('--port');
  const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 8000;
  for (const [file, fix] of [['dist/index.js', 'npm run build'], ['build/demo-digits.bin', 'npm run build']]) {
    if (!existsSync(join(root, file))) console.warn(`simdnet demo: ${file} is missing: run \`${fix}\` first`);
  }
  if (!existsSync(join(root, 'weights', 'lenet5-modern.safetensors'))) {
    console.log('simdnet demo: no weights/lenet5-modern.safetensors yet: `npm start` trains and saves them (or train in the page)');
  }
  let server;
  try {
    server = await startDemo({ port });
  } catch (error) {
    if (error?.code !== 'EADDRINUSE') throw error;
    console.log(`simdnet demo: port ${port} is in use; taking a free one`);
    server = await startDemo({ port: 0 });
  }
  console.log(`simdnet demo: open ${server.url}/  (Ctrl-C stops)`);
}
