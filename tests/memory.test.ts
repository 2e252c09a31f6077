import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../src/index.ts';
import { Allocator, ArrayBufferMemory, OutOfMemoryError } from '../src/backend/allocator.ts';

describe('the allocator', () => {
  const make = (maxPages = 64) => {
    const memory = new ArrayBufferMemory(1, maxPages);
    let grown = 0;
    return { memory, allocator: new Allocator(memory, 1000, maxPages * 65536, () => grown++), grown: () => grown };
  };

  it('hands out 16-byte aligned, non-overlapping blocks above the base', () => {
    const { allocator } = make();
    const blocks = [3, 16, 17, 100, 1].map((n) => [allocator.alloc(n), n] as const);
    for (const [p] of blocks) { expect(p % 16).toBe(0); expect(p).toBeGreaterThanOrEqual(1000); }
    const sorted = [...blocks].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]![0]).toBeGreaterThanOrEqual(sorted[i - 1]![0] + sorted[i - 1]![1]);
  });

  it('reuses freed blocks and merges neighbours, so 10,000 allocate/free cycles end at zero bytes in use', () => {
    const { allocator } = make();
    const live: number[] = [];
    let seed = 7;
    const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
    for (let i = 0; i < 10_000; i++) {
      if (live.length && rand() < 0.5) allocator.free(live.splice(Math.floor(rand() * live.length), 1)[0]!);
      else live.push(allocator.alloc(1 + Math.floor(rand() * 5000)));
    }
    for (const p of live) allocator.free(p);
    const stats = allocator.stats();
    expect(stats.bytesInUse).toBe(0);
    expect(stats.blocksInUse).toBe(0);
    // Everything merged back: the next allocation starts at the base again.
    expect(allocator.alloc(64)).toBe(1008);
  });

  it('grows the memory when nothing fits and tells the views to refresh', () => {
    const { memory, allocator, grown } = make();
    const before = memory.buffer.byteLength;
    allocator.alloc(3 * 65536);
    expect(memory.buffer.byteLength).toBeGreaterThan(before);
    expect(grown()).toBe(1);
  });

  it('throws OutOfMemoryError past the maximum and keeps every existing block', () => {
    const { allocator } = make(4);
    const a = allocator.alloc(65536);
    expect(() => allocator.alloc(4 * 65536)).toThrowError(OutOfMemoryError);
    expect(() => allocator.alloc(4 * 65536)).toThrowError(/out of memory: cannot allocate 262144 bytes/);
    expect(allocator.sizeOf(a)).toBe(65536);
    const b = allocator.alloc(1024);
    expect(b).toBeGreaterThan(a);
  });

  it('refuses to free an address it did not hand out', () => {
    const { allocator } = make();
    expect(() => allocator.free(12345)).toThrowError(/not a live block/);
  });
});

describe('tensors over the linear memory', () => {
  beforeAll(async () => {
    await sn.init({ backend: 'wasm', maxMemoryBytes: 64 * 1024 * 1024 });
  });

  it('round-trips values, shapes and dtypes', () => {
    const t = sn.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect([...t.dataSync()]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(t.arraySync()).toEqual([[1, 2, 3], [4, 5, 6]]);
    const labels = sn.tensor([0, 7], [2], 'int32');
    expect(labels.dataSync()).toBeInstanceOf(Int32Array);
    sn.dispose([t, labels]);
  });

  it('dataSync returns a copy that later writes do not change', () => {
    const t = sn.ones([4]);
    const copy = t.dataSync();
    copy[0] = 99;
    expect(t.dataSync()[0]).toBe(1);
    t.dispose();
  });

  it('throws a clear error when a disposed tensor is used, and dispose is idempotent', () => {
    const t = sn.zeros([2, 2]);
    t.dispose();
    t.dispose();
    expect(() => t.dataSync()).toThrowError(/was disposed/);
    expect(() => sn.relu(t)).toThrowError(/relu: x \(shape \[2, 2\]\) was disposed/);
  });

  it('rejects values that do not fill the shape, bad dimensions and non-integer int32 values', () => {
    expect(() => sn.tensor([1, 2, 3], [2, 2])).toThrowError(/3 values do not fill shape \[2, 2\]/);
    expect(() => sn.zeros([2, -1])).toThrowError(/invalid dimension -1/);
    expect(() => sn.tensor([1.5], [1], 'int32')).toThrowError(/int32 values must be 32-bit integers/);
    expect(() => sn.zeros([2], 'float16' as sn.Dtype)).toThrowError(/dtype must be/);
  });

  it('refuses float64 on the wasm backend with a message naming the way out', () => {
    expect(() => sn.zeros([2], 'float64')).toThrowError(/float64 tensors need the 'js' backend/);
  });

  it('10,000 allocate/dispose cycles through the public API leave bytes in use where they started', () => {
    const start = sn.memory();
    for (let i = 0; i < 10_000; i++) {
      const a = sn.ones([1 + (i % 37), 3]);
      const b = sn.relu(a);
      a.dispose();
      b.dispose();
    }
    expect(sn.memory().bytesInUse).toBe(start.bytesInUse);
    expect(sn.memory().liveTensors).toBe(start.liveTensors);
  });

  it('an allocation past the maximum throws a clear error and the next op still works', () => {
    const keep = sn.tensor([1, -2, 3], [3]);
    const before = sn.memory().bytesInUse;
    expect(() => sn.zeros([100 * 1024 * 1024])).toThrowError(sn.OutOfMemoryError);
    expect(() => sn.zeros([100 * 1024 * 1024])).toThrowError(/out of memory.*maxMemoryBytes/);
    expect(sn.memory().bytesInUse).toBe(before);
    const y = sn.relu(keep);
    expect([...y.dataSync()]).toEqual([1, 0, 3]);
    sn.dispose([keep, y]);
  });

  it('keeps values intact when the memory grows under existing tensors', () => {
    const small = sn.tensor([1, 2, 3, 4], [4]);
    const big = sn.zeros([8 * 1024 * 1024]);
    expect(sn.memory().memoryBytes).toBeGreaterThan(32 * 1024 * 1024);
    expect([...small.dataSync()]).toEqual([1, 2, 3, 4]);
    sn.dispose([small, big]);
  });

  it('tidy disposes what was made inside except what it returns, nested scopes included', () => {
    const start = sn.memory().liveTensors;
    const kept = sn.tidy(() => {
      const a = sn.ones([3]);
      const inner = sn.tidy(() => {
        const b = sn.add(a, a);
        sn.mul(b, b);
        return b;
      });
      return { result: sn.add(inner, a) };
    });
    expect(sn.memory().liveTensors).toBe(start + 1);
    expect([...kept.result.dataSync()]).toEqual([3, 3, 3]);
    kept.result.dispose();
    expect(sn.memory().liveTensors).toBe(start);
  });

  it('tidy refuses an async function', () => {
    expect(() => sn.tidy(() => Promise.resolve(1) as unknown as number)).toThrowError(/synchronous/);
  });

  it('keep() exempts a tensor from the enclosing tidy', () => {
    let survivor: sn.Tensor | undefined;
    sn.tidy(() => { survivor = sn.keep(sn.ones([2])); sn.ones([2]); });
    expect([...survivor!.dataSync()]).toEqual([1, 1]);
    survivor!.dispose();
  });

  it('reshape shares storage: the bytes return only when every view is disposed', () => {
    const before = sn.memory().bytesInUse;
    const a = sn.ones([2, 6]);
    const b = a.reshape([3, -1]);
    expect(b.shape).toEqual([3, 4]);
    a.dispose();
    expect([...b.dataSync()]).toEqual(new Array(12).fill(1));
    b.dispose();
    expect(sn.memory().bytesInUse).toBe(before);
  });

  it('seeded randn and rand repeat exactly, and differ across seeds', () => {
    const a = sn.randn([100], { seed: 3 }), b = sn.randn([100], { seed: 3 }), c = sn.randn([100], { seed: 4 });
    expect([...a.dataSync()]).toEqual([...b.dataSync()]);
    expect([...a.dataSync()]).not.toEqual([...c.dataSync()]);
    const u = sn.rand([1000], { seed: 1, low: -2, high: 2 }).dataSync();
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...u)).toBeLessThan(2);
    const n = Array.from(sn.randn([20000], { seed: 9 }).dataSync());
    const mean = n.reduce((s, v) => s + v, 0) / n.length;
    const variance = n.reduce((s, v) => s + (v - mean) ** 2, 0) / n.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});

describe('tidy when its function throws', () => {
  beforeAll(async () => {
    await sn.init();
  });

  it('frees every tensor made inside and rethrows the error', () => {
    const before = sn.memory();
    expect(() => sn.tidy(() => {
      sn.ones([100]);
      sn.relu(sn.ones([10]));
      throw new Error('boom');
    })).toThrowError('boom');
    expect(sn.memory().bytesInUse).toBe(before.bytesInUse);
    expect(sn.memory().liveTensors).toBe(before.liveTensors);
  });
});
