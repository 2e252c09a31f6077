/**
 * The runtime tests load the built package (dist/), not the sources: they check that it is there
 * and newer than everything it is built from, so a stale build never passes for the current code.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../../', import.meta.url));

function newest(dir: string): number {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return t;
}

export function requireFreshDist(): void {
  const built = join(root, 'dist', 'index.js');
  if (!existsSync(built)) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  const sources = Math.max(newest(join(root, 'src')), ...['simd', 'relaxed'].map((v) => statSync(join(root, 'build', `simdnet.${v}.wasm`)).mtimeMs));
  if (statSync(built).mtimeMs < sources) throw new Error('dist/ is older than src/ or build/: run `npm run build` (npm test does it first)');
}
