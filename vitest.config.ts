import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Node 20 validates relaxed SIMD only behind this flag; with it both kernel builds are tested.
    execArgv: ['--experimental-wasm-relaxed-simd'],
  },
});
