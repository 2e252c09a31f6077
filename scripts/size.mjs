// `npm run size`: what each entry of dist/ makes a runtime download, gzipped (level 9): the entry,
// every file it imports (followed statically, as a browser would), and the kernels it loads.
// Exits non-zero when an entry's JS and wasm together exceed the budget.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 100 * 1024;
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
if (!existsSync(join(dist, 'index.js'))) {
  console.error('simdnet: dist/ is missing: run `npm run build` first');
  process.exit(1);
}

/** The entry and every relative import it reaches, in load order. */
function closure(entry, seen = new Set()) {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  if (entry.endsWith('.js')) {
    const code = readFileSync(join(dist, entry), 'utf8');
    for (const [, path] of code.matchAll(/(?:from|import)\s*["']\.\/([^"']+)["']/g)) closure(path, seen);
  }
  return seen;
}

const gzipped = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

let overBudget = false;
for (const [entry, how] of [['index.js', 'kernels embedded as base64'], ['index.workerd.js', 'kernels as wasm module imports']]) {
  const files = [...closure(entry)];
  let js = 0, wasm = 0;
  console.log(`${entry} (${how}):`);
  for (const file of files) {
    const raw = readFileSync(join(dist, file)).length, gz = gzipped(file);
    if (file.endsWith('.wasm')) wasm += gz; else js += gz;
    console.log(`  ${file.padEnd(24)} ${kb(raw).padStart(10)} raw ${kb(gz).padStart(10)} gzipped`);
  }
  const total = js + wasm;
  console.log(`  total gzipped: JS ${kb(js)} + wasm ${kb(wasm)} = ${kb(total)} (budget ${kb(BUDGET_BYTES)})`);
  if (total > BUDGET_BYTES) overBudget = true;
}
if (overBudget) {
  console.error('simdnet: over the size budget');
  process.exit(1);
}
