/**
 * The default entry (Node, browsers, Workers, bundlers): the kernels travel inside this package as
 * base64, so loading needs neither fetch nor fs. workerd, which forbids compiling bytes, uses
 * index.workerd.ts instead (chosen by the package's `exports` conditions).
 */
import simd from '../build/simdnet.simd.wasm.js';
import relaxed from '../build/simdnet.relaxed.wasm.js';
import { setDefaultModules } from './runtime.ts';

setDefaultModules({
  simd: () => decodeBase64(simd),
  relaxed: () => decodeBase64(relaxed),
  // The threads builds are fetched only when init({ threads }) asks for them (bundlers split them off).
  simdThreads: async () => decodeBase64((await import('../build/simdnet.simd-threads.wasm.js')).default),
  relaxedThreads: async () => decodeBase64((await import('../build/simdnet.relaxed-threads.wasm.js')).default),
});

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export * from './core.ts';
