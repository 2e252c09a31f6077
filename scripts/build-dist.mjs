// Builds the distributable package in dist/ from src/ (after scripts/build-wasm.mjs made build/):
//   dist/index.js          default entry: the kernels embedded as base64 (Node, browsers, Workers, bundlers)
//   dist/index.workerd.js  "workerd" entry: the kernels as module imports of ./simdnet.*.wasm
//   dist/data.js           simdnet/data: the MNIST loader (Node and bundlers; imports the `mnist` package)
//   dist/threads*.js       simdnet/threads: opt-in thread support ("node": worker_threads; default: module
//                          Workers), with dist/worker.js and dist/thread-tasks.js, the kernel-thread script
//   dist/core-*.js         the code the entries share, so that one program has one runtime state
//   dist/simdnet.*.wasm    the kernels, for the workerd entry
//   dist/types/            declarations (tsc), import paths rewritten from .ts to .js
// ES2022 output: esbuild's newer targets would emit Uint8Array.fromBase64, which Node 20 lacks.
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const kernels = ['simdnet.simd.wasm', 'simdnet.relaxed.wasm'];

rmSync(dist, { recursive: true, force: true });

// A module import of a kernel file stays an import, of the copy beside the bundle; the host (workerd,
// or wrangler's CompiledWasm rule when it bundles a Worker) compiles it.
const wasmBesideBundle = {
  name: 'wasm-beside-bundle',
  setup(b) {
    b.onResolve({ filter: /\.wasm$/ }, (args) => {
      const name = basename(args.path);
      if (!kernels.includes(name)) throw new Error(`unexpected wasm import ${args.path} in ${args.importer}`);
      return { path: `./${name}`, external: true };
    });
  },
};

await build({
  absWorkingDir: root,
  entryPoints: {
    index: 'src/index.ts', 'index.workerd': 'src/index.workerd.ts', data: 'src/data/index.ts',
    threads: 'src/threads.ts', 'threads.node': 'src/threads.node.ts',
  },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  chunkNames: 'core-[hash]',
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  // 20 MB of JSON: loaded by the user's runtime from the dependency, never bundled.
  external: ['mnist', 'node:worker_threads'],
  plugins: [wasmBesideBundle],
  logLevel: 'warning',
});
for (const name of kernels) copyFileSync(join(root, 'build', name), join(dist, name));
// The kernel-thread script, beside the bundles where `new URL('./worker.js', import.meta.url)` finds it.
for (const name of ['worker.js', 'thread-tasks.js']) copyFileSync(join(root, 'src', 'backend', name), join(dist, name));

const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root, stdio: 'inherit',
});
if (tsc.status !== 0) {
  console.error('simdnet: the declarations did not build');
  process.exit(tsc.status ?? 1);
}
// The sources import each other with .ts extensions; a consumer resolves ./x.js to ./x.d.ts.
function rewriteDeclarations(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) rewriteDeclarations(path);
    else if (entry.name.endsWith('.d.ts')) {
      const text = readFileSync(path, 'utf8');
      writeFileSync(path, text.replace(/((?:from|import)\s*\(?\s*['"]\.{1,2}\/[^'"]*)\.ts(['"])/g, '$1.js$2'));
    }
  }
}
// Hand-written declarations of plain-JS modules: tsc does not copy them.
copyFileSync(join(root, 'src', 'backend', 'thread-tasks.d.ts'), join(dist, 'types', 'backend', 'thread-tasks.d.ts'));
rewriteDeclarations(join(dist, 'types'));

const files = readdirSync(dist).filter((f) => !f.endsWith('.map') && statSync(join(dist, f)).isFile());
console.log(`simdnet: built dist/ (${files.join(', ')}) and dist/types/`);
