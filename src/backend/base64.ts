/**
 * The embedded kernels: deflate-raw compressed, then base64 (scripts/build-wasm.mjs). atob and
 * DecompressionStream exist in every target runtime (Node ≥ 18, browsers, Workers, workerd).
 */
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
