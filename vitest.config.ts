import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // tests/runtimes/consumer.js imports the package by name; inside vitest it runs over the sources
    // (the reference), while the real runtimes resolve the same name to dist/ through `exports`.
    alias: [{ find: /^simdnet$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) }],
  },
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Node 20 validates relaxed SIMD only behind this flag; with it both kernel builds are tested.
    execArgv: ['--experimental-wasm-relaxed-simd'],
  },
});
