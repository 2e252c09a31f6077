import { beforeAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';
import { halfToFloat, readSafetensors, SafetensorsError, writeSafetensors } from '../../src/io/safetensors.ts';

beforeAll(async () => {
  await sn.init({ backend: 'wasm' });
});

/** Builds a file by hand: header JSON and raw data bytes. */
function file(header: object | string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips float32, float64 and int32 tensors with metadata, header padded to 8 bytes', () => {
    const bytes = writeSafetensors({
      a: sn.tensor([1.5, -2, 3], [3]),
      b: { shape: [2, 1], data: new Float64Array([0.1, 0.2]) },
      n: { shape: [], data: new Int32Array([7]) },
    }, { format: 'pt' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.get('a')).toMatchObject({ dtype: 'F32', shape: [3] });
    expect([...tensors.get('a')!.data]).toEqual([1.5, -2, 3]);
    expect(tensors.get('b')!.dtype).toBe('F64');
    expect([...tensors.get('b')!.data]).toEqual([Math.fround(0.1), Math.fround(0.2)]);
    expect([...tensors.get('n')!.data]).toEqual([7]);
  });

  it('decodes F16, BF16 and I64 (as written by PyTorch), also from unaligned offsets', () => {
    const data = new Uint8Array(2 * 2 + 2 * 2 + 8 + 3);
    const view = new DataView(data.buffer);
    view.setUint16(0, 0x3c00, true); view.setUint16(2, 0xc000, true); // F16 1, −2
    view.setUint16(4, 0x3f80, true); view.setUint16(6, 0x4040, true); // BF16 1, 3
    view.setBigInt64(8, 42n, true);
    const bytes = file({
      h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
      bf: { dtype: 'BF16', shape: [2], data_offsets: [4, 8] },
      i: { dtype: 'I64', shape: [], data_offsets: [8, 16] },
      u: { dtype: 'U8', shape: [3], data_offsets: [16, 19] },
    }, data);
    const t = readSafetensors(bytes).tensors;
    expect([...t.get('h')!.data]).toEqual([1, -2]);
    expect([...t.get('bf')!.data]).toEqual([1, 3]);
    expect([...t.get('i')!.data]).toEqual([42]);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
  });

  it.each([
    ['a file shorter than its length prefix', new Uint8Array(5), /fewer than the 8/],
    ['a header length past the end', file('{}').subarray(0, 9), /runs past the end/],
    ['a header that is not an object', file('[1]'), /must be a JSON object/],
    ['invalid JSON', file('{"a":'), /not valid JSON/],
    ['duplicate keys', file('{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}'), /names "a" twice/],
    ['an unknown dtype', file({ a: { dtype: 'F8', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)), /unsupported dtype "F8"/],
    ['a negative dimension', file({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /invalid shape/],
    ['offsets that disagree with the shape', file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /needs 8 bytes but data_offsets span 4/],
    ['a hole between tensors', file({ a: { dtype: 'U8', shape: [1], data_offsets: [0, 1] }, b: { dtype: 'U8', shape: [1], data_offsets: [2, 3] } }, new Uint8Array(3)), /starts at byte 2, expected 1/],
    ['overlapping tensors', file({ a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] }, b: { dtype: 'U8', shape: [2], data_offsets: [1, 3] } }, new Uint8Array(3)), /starts at byte 1, expected 2/],
    ['trailing bytes not covered', file({ a: { dtype: 'U8', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(2)), /cover 1 bytes but the data section has 2/],
    ['a shape whose size overflows', file({ a: { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 4] } }, new Uint8Array(4)), /overflows/],
    ['non-string metadata', file({ __metadata__: { a: 1 } }), /must be a string/],
  ])('rejects %s with a clear error', (_, bytes, message) => {
    expect(() => readSafetensors(bytes as Uint8Array)).toThrowError(SafetensorsError);
    expect(() => readSafetensors(bytes as Uint8Array)).toThrowError(message as RegExp);
  });

  it('caps the header length before reading it', () => {
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(() => readSafetensors(bytes)).toThrowError(/exceeds the 100000000-byte limit/);
  });

  it('survives 10,000 mutated and truncated files: each parses or fails with SafetensorsError, never anything else', () => {
    const valid = writeSafetensors({
      'features.0.weight': { shape: [2, 3, 3, 1], data: new Float32Array(18).map((_, i) => i) },
      'features.0.bias': { shape: [2], data: new Float32Array([1, 2]) },
      'bn.num_batches_tracked': { shape: [], data: new Int32Array([3]) },
    }, { source: 'fuzz' });
    let seed = 12345;
    const rand = (n: number) => { seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; return seed % n; };
    let parsed = 0, rejected = 0;
    for (let i = 0; i < 10_000; i++) {
      let bytes = valid.slice();
      const kind = rand(4);
      if (kind === 0) bytes = bytes.subarray(0, rand(bytes.length));
      else if (kind === 1) for (let k = 0, n = 1 + rand(4); k < n; k++) bytes[rand(bytes.length)] = rand(256);
      else if (kind === 2) new DataView(bytes.buffer).setUint32(rand(8) & ~3, rand(2 ** 31), true);
      else { const at = 8 + rand(bytes.length - 8); bytes[at] = '0123456789[]{},:"-eE.'.charCodeAt(rand(21)); }
      try {
        readSafetensors(bytes);
        parsed++;
      } catch (e) {
        if (!(e instanceof SafetensorsError)) throw new Error(`mutation ${i} (kind ${kind}) threw ${String(e)}`);
        rejected++;
      }
    }
    expect(parsed + rejected).toBe(10_000);
    expect(rejected).toBeGreaterThan(5000);
  });

  it('a saved model loads back into a fresh one with identical outputs', () => {
    const a = sn.zoo.lenet5({ seed: 1 }), b = sn.zoo.lenet5({ seed: 2 });
    b.loadStateDict(sn.io.loadSafetensors(sn.io.writeSafetensors(a.stateDict())));
    const x = sn.randn([2, 32, 32, 1], { seed: 3 });
    const [ya, yb] = sn.tidy(() => [a.forward(x).dataSync(), b.forward(x).dataSync()]);
    expect([...yb!]).toEqual([...ya!]);
    x.dispose(); a.dispose(); b.dispose();
  });
});
