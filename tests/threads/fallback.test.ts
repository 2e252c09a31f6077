/**
 * Where threads cannot run, init() runs on one thread, says why (`notice`, and console.warn) and
 * reports threads: 1; bad thread options are refused before anything starts.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as sn from '../../src/index.ts';
import '../../src/threads.node.ts';
import { threadsUnavailable } from '../../src/backend/threads.ts';
import { bits } from './cases.ts';

afterEach(async () => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  await sn.shutdown();
});

/** init with a spy on console.warn; returns the result and what was warned. */
async function initWarned(options: sn.InitOptions) {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const info = await sn.init(options);
  return { info, warned: warn.mock.calls.map((args) => String(args[0])) };
}

const convBits = () => sn.tidy(() =>
  bits(sn.conv2d(sn.randn([2, 12, 12, 8], { seed: 1 }), sn.randn([16, 3, 3, 8], { seed: 2 }), null, { padding: 1 })));

describe('falling back to one thread', () => {
  it("on the 'js' backend", async () => {
    const { info, warned } = await initWarned({ backend: 'js', threads: 2 });
    expect(info).toMatchObject({ backend: 'js', threads: 1 });
    expect(info.notice).toMatch(/2 threads were asked for, running on one: the 'js' backend runs its kernels on the calling thread/);
    expect(warned).toEqual([info.notice]);
  });

  it('with a module that is not a threads build, which still computes the same bits', async () => {
    const plain = await WebAssembly.compile(readFileSync(new URL('../../build/simdnet.simd.wasm', import.meta.url)));
    const single = await sn.init({ wasm: plain });
    expect(single.threads).toBe(1);
    const reference = convBits();
    const { info, warned } = await initWarned({ wasm: plain, threads: 2, minParallelWork: 0 });
    expect(info.threads).toBe(1);
    expect(info.notice).toMatch(/running on one: the kernels are not a threads build/);
    expect(warned).toHaveLength(1);
    expect(convBits()).toEqual(reference);
  });

  it('where SharedArrayBuffer or Worker is missing', () => {
    // (Not by stubbing the globals: Node's own worker start-up reads SharedArrayBuffer.)
    const host = { SharedArrayBuffer, Atomics, Worker: class {} };
    expect(threadsUnavailable(host)).toBeUndefined();
    expect(threadsUnavailable({ ...host, SharedArrayBuffer: undefined })).toMatch(
      /^SharedArrayBuffer is unavailable .*Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/);
    expect(threadsUnavailable({ ...host, crossOriginIsolated: false })).toMatch(/^the page is not cross-origin isolated/);
    expect(threadsUnavailable({ ...host, crossOriginIsolated: true })).toBeUndefined();
  });

  it('on a page that is not cross-origin isolated', async () => {
    vi.stubGlobal('crossOriginIsolated', false);
    const { info } = await initWarned({ threads: 4 });
    expect(info.threads).toBe(1);
    expect(info.notice).toMatch(/^simdnet: init: 4 threads were asked for, running on one: the page is not cross-origin isolated \(serve it with 'Cross-Origin-Opener-Policy: same-origin' and 'Cross-Origin-Embedder-Policy: require-corp'\)$/);
  });

  it('when the worker script cannot be loaded', async () => {
    const { info } = await initWarned({ threads: 2, workerUrl: new URL('./no-such-worker.js', import.meta.url) });
    expect(info.threads).toBe(1);
    expect(info.notice).toMatch(/running on one: a kernel thread (failed|exited)/);
    expect(sn.backend().threadPool).toBeUndefined();
  });

  it('not at all when threads are available: no notice', async () => {
    const { info, warned } = await initWarned({ threads: 2 });
    expect(info.notice).toBeUndefined();
    expect(info.threads).toBe(2);
    expect(warned).toEqual([]);
  });
});

describe('thread options', () => {
  it('are checked before anything starts', async () => {
    for (const threads of [0, 1.5, 65, -2, Number.NaN, '2']) {
      await expect(sn.init({ threads: threads as number })).rejects.toThrowError(
        new RegExp(`threads must be an integer from 1 to 64, got ${String(threads)}`));
    }
    await expect(sn.init({ threads: 2, minParallelWork: -1 })).rejects.toThrowError(/minParallelWork must be a non-negative number, got -1/);
    await expect(sn.init({ threads: 2, workerUrl: 42 as never })).rejects.toThrowError(/workerUrl must be a string or a URL, got 42/);
  });
});
