/**
 * The embedded kernels: deflate-raw compressed, then base64 (scripts/build-wasm.mjs); all builds
 * but the plain-SIMD one as deltas against it (wasm-delta.js). atob and DecompressionStream exist
 * in every target runtime (Node ≥ 18, browsers, Workers, workerd).
 */
import { applyDelta } from './wasm-delta.js';

export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The wasm bytes of an embedded kernel build. */
export async function inflateEmbedded(text: string): Promise<Uint8Array> {
  const stream = new Response(decodeBase64(text)).body!.pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The wasm bytes of an embedded build stored as a delta against the embedded plain-SIMD build. */
export async function inflateEmbeddedDelta(delta: string, simd: string): Promise<Uint8Array> {
  const [base, patch] = await Promise.all([inflateEmbedded(simd), inflateEmbedded(delta)]);
  return applyDelta(base, patch);
}
