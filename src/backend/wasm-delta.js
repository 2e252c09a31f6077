// A kernel build as a delta against another (scripts/build-wasm.mjs writes them): the four builds
// differ in a few hundred bytes (fused multiply-adds, a shared-memory import), so the default
// entry carries one build whole and the others as deltas of well under 1 KB each, instead of
// 25 KB each.
//
// Format: a run of [literal length, literal bytes, copy length, copy offset] records, each number
// an unsigned LEB128; the copy offset is zigzag-coded relative to where the previous copy ended
// in the base. The delta ends after a literal (its copy part is absent).
//
// Plain JavaScript so that the build script checks its deltas with this very decoder.

/** The bytes a delta describes, given the base it was made against. */
export function applyDelta(base, delta) {
  const out = [];
  let at = 0, baseAt = 0;
  const read = () => {
    let value = 0, shift = 0, byte;
    do {
      if (at >= delta.length) throw new Error('simdnet: a kernel delta ends mid-number');
      byte = delta[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    return value;
  };
  for (;;) {
    const literal = read();
    if (at + literal > delta.length) throw new Error('simdnet: a kernel delta ends mid-literal');
    out.push(delta.subarray(at, at + literal));
    at += literal;
    if (at === delta.length) break;
    const length = read(), step = read();
    baseAt += step % 2 ? -(step + 1) / 2 : step / 2;
    if (baseAt < 0 || baseAt + length > base.length) throw new Error('simdnet: a kernel delta copies from outside its base');
    out.push(base.subarray(baseAt, baseAt + length));
    baseAt += length;
  }
  const bytes = new Uint8Array(out.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of out) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}
