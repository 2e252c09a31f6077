// Dropout with a counter-based generator: mask bit i is a pure function of (seed, offset + i),
// so a tensor split into pieces (threads, chunks) gets the same mask as in one call, and the JS
// twin (src/backend/js/random.ts) reproduces it bit for bit.

const GOLDEN: u32 = 0x9e3779b9;

/** murmur3's 32-bit finaliser: a bijection whose every output bit depends on every input bit. */
@inline function fmix(h: u32): u32 {
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  return h ^ (h >>> 16);
}

@inline function fmix4(h: v128): v128 {
  h = v128.xor(h, i32x4.shr_u(h, 16));
  h = i32x4.mul(h, i32x4.splat(<i32>0x85ebca6b));
  h = v128.xor(h, i32x4.shr_u(h, 13));
  h = i32x4.mul(h, i32x4.splat(<i32>0xc2b2ae35));
  return v128.xor(h, i32x4.shr_u(h, 16));
}

/** The per-seed key mixed into every counter. */
@inline function seedKey(seed: u32): u32 {
  return fmix(seed ^ GOLDEN);
}

export function dropoutForward(x: usize, y: usize, mask: usize, n: i32, p: f32, seed: i32, offset: i32): void {
  // Element i is dropped when its hash h (uniform on [0, 2^32)) is below p·2^32, i.e. below
  // ceil(p·2^32); p ≥ 1 drops everything (scale 0 instead of 1/0).
  const all = p >= 1;
  const threshold = all ? <u32>0 : <u32>Math.ceil(<f64>p * 4294967296.0);
  const scale: f32 = all ? 0 : <f32>(1.0 / (1.0 - <f64>p));
  const key = seedKey(<u32>seed);
  const keyV = i32x4.splat(key), gold = i32x4.splat(GOLDEN), thrV = i32x4.splat(threshold);
  const scaleV = f32x4.splat(scale);
  let counter = i32x4.add(i32x4.splat(offset), i32x4(0, 1, 2, 3));
  const step = i32x4.splat(4);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const h = fmix4(v128.xor(i32x4.mul(counter, gold), keyV));
    const m = v128.and(scaleV, i32x4.ge_u(h, thrV));
    const p4 = <usize>i << 2;
    v128.store(mask + p4, m);
    v128.store(y + p4, f32x4.mul(v128.load(x + p4), m));
    counter = i32x4.add(counter, step);
  }
  for (; i < n; i++) {
    const h = fmix(((<u32>(offset + i)) * GOLDEN) ^ key);
    const m: f32 = h >= threshold ? scale : 0;
    const p1 = <usize>i << 2;
    store<f32>(mask + p1, m);
    store<f32>(y + p1, load<f32>(x + p1) * m);
  }
}
