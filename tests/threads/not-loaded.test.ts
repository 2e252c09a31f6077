import { expect, it, vi } from 'vitest';
import * as sn from '../../src/index.ts';

it('without simdnet/threads imported, init({ threads }) runs on one thread and says what to import', async () => {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const info = await sn.init({ threads: 2 });
  expect(info.threads).toBe(1);
  expect(info.notice).toMatch(/thread support is not loaded: import 'simdnet\/threads' before init\(\{ threads \}\)/);
  expect(warn).toHaveBeenCalledTimes(1);
  warn.mockRestore();
});
