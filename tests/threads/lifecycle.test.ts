/**
 * The life of a thread pool: shutdown, re-init, memory growth while it runs, the memory report,
 * and a Node process that exits without shutdown().
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as sn from '../../src/index.ts';
import '../../src/threads.node.ts';
import { bits } from './cases.ts';
import { expectSameBits } from './compare.ts';

afterAll(() => sn.shutdown());

const convOf = (x: sn.Tensor, w: sn.Tensor) => sn.tidy(() => bits(sn.conv2d(x, w, null, { padding: 1 })));

describe('the thread pool', () => {
  it('stops on shutdown(); the backend and its tensors go on, on one thread, with the same bits', async () => {
    await sn.init({ threads: 2, minParallelWork: 0 });
    const pool = sn.backend().threadPool!;
    const x = sn.randn([1, 20, 20, 16], { seed: 1 }), w = sn.randn([16, 3, 3, 16], { seed: 2 });
    const threaded = convOf(x, w);
    expect(pool.stats.splits.conv2dForward).toBe(1);
    await sn.shutdown();
    expect(pool.active).toBe(false);
    expect(sn.backend().threads).toBe(1);
    expect(sn.backend().threadPool).toBeUndefined();
    expectSameBits(convOf(x, w), threaded, 'after shutdown');
    await sn.shutdown(); // a second call does nothing
    x.dispose(); w.dispose();
  });

  it('of a previous init() is stopped by the next', async () => {
    await sn.init({ threads: 2 });
    const first = sn.backend().threadPool!;
    const info = await sn.init({ threads: 3 });
    expect(first.active).toBe(false);
    expect(info.threads).toBe(3);
    expect(sn.backend().threadPool!.threads).toBe(3);
  });

  it('computes on memory grown after the workers started', async () => {
    const run = () => sn.tidy(() => {
      // 64 MB first, so the convolution's tensors lie past the memory the workers first saw.
      const filler = sn.zeros([16, 1024, 1024]);
      const out = convOf(sn.randn([2, 24, 24, 16], { seed: 3 }), sn.randn([24, 3, 3, 16], { seed: 4 }));
      filler.dispose();
      return out;
    });
    await sn.init({ threads: 1 });
    const reference = run();
    await sn.init({ threads: 2, minParallelWork: 0 });
    const before = sn.memory().memoryBytes;
    const threaded = run();
    expect(sn.memory().memoryBytes).toBeGreaterThan(before + 64 * 1024 * 1024);
    expect(sn.backend().threadPool!.stats.splits.conv2dForward).toBe(1);
    expectSameBits(threaded, reference, 'conv after growth');
  });

  it('keeps its blocks out of the memory report and frees them on shutdown; split kernels free their temporary blocks', async () => {
    await sn.init({ threads: 2, minParallelWork: 0 });
    expect(sn.memory().bytesInUse).toBe(0);
    sn.tidy(() => {
      const x = sn.randn([1, 6, 6, 64], { seed: 1, requiresGrad: true }), w = sn.randn([64, 3, 3, 64], { seed: 2, requiresGrad: true });
      const tape = new sn.GradientTape();
      const loss = tape.record(() => sn.sum(sn.conv2d(x, w, null, { padding: 1 })));
      tape.gradient(loss, [x, w]);
    });
    const splits = sn.backend().threadPool!.stats.splits;
    // Few pixels, many channels: the forward and the filter gradient wrote private blocks.
    expect(splits.conv2dForward).toBe(1);
    expect(splits.conv2dBackwardFilter).toBe(1);
    expect(sn.memory().bytesInUse).toBe(0);
    const heldByPool = sn.backend().threadPool!.reservedBytes;
    expect(heldByPool).toBeGreaterThan(0);
    const allocated = sn.backend().allocator.stats().bytesInUse;
    await sn.shutdown();
    expect(sn.memory().bytesInUse).toBe(0);
    expect(sn.backend().allocator.stats().bytesInUse).toBe(allocated - heldByPool);
  });
});

describe('a Node process using threads', () => {
  it('exits by itself when its work is done (the workers are unref\'d)', () => {
    const script = fileURLToPath(new URL('./exits-by-itself.ts', import.meta.url));
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    expect(run.error, 'the process did not exit within 30 s').toBeUndefined();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe('threads 2, split 1, y 1×16×16×8');
  });
});
