/**
 * A convolution's filter in the layout its forward kernel streams (conv2dPackFilter), kept beside
 * the filter's storage: a model's forward then packs each filter once instead of on every call
 * (for a late ResNet layer, packing 9 MB of filter cost a fifth of the layer), and the threads of
 * a split forward share one packed copy instead of each packing its own.
 *
 * The copy is repacked when the values change (Storage.version: every in-place write, such as an
 * optimizer step or loadStateDict, bumps it) or when the filter is used with another shape or
 * group count, and freed with the storage. A training step therefore repacks what changed and
 * nothing else: frozen layers keep their copy.
 */
import { OutOfMemoryError } from '../backend/allocator.ts';
import type { Kernels } from '../backend/kernels.ts';
import { backend } from '../runtime.ts';
import { setDerived, type Tensor } from '../tensor.ts';

/**
 * The address of w's packed copy for the geometry at `geom` (a params block), packing it now if
 * it is missing or stale; 0 where the kernels read the filter as stored, or where no memory is left
 * for a copy (the forward then packs into its scratch as before).
 */
export function packedFilter(k: Kernels, w: Tensor, geom: number, groups: number): number {
  const bytes = k.conv2dPackedFilterBytes(geom);
  if (bytes === 0) return 0;
  const storage = w.storage, key = `${w.shape.join('×')}/${groups}`;
  const kept = storage.derived;
  if (kept && kept.key === key && kept.version === storage.version) return kept.ptr;
  const allocator = backend().allocator;
  let ptr = kept && kept.bytes === bytes ? kept.ptr : 0;
  if (!ptr) {
    if (kept) {
      allocator.free(kept.ptr);
      setDerived(storage, undefined);
    }
    try {
      ptr = allocator.alloc(bytes);
    } catch (error) {
      if (error instanceof OutOfMemoryError) return 0;
      throw error;
    }
  }
  k.conv2dPackFilter(geom, w.ptr, ptr);
  setDerived(storage, { ptr, bytes, key, version: storage.version });
  return ptr;
}
