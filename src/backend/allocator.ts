/**
 * The one allocator of the linear memory (DESIGN.md: "one linear memory, one allocator, owned by
 * TypeScript"). It manages the bytes above the module's static data: freed blocks are reused
 * (best fit, neighbours merged), the memory grows when nothing fits, and an allocation that would
 * pass the maximum throws OutOfMemoryError while leaving every existing block intact.
 */

/** Every block starts on a 16-byte boundary so SIMD loads of whole blocks are aligned. */
export const ALIGNMENT = 16;
const WASM_PAGE = 65536;

/** The growable memory the allocator carves up (a WebAssembly.Memory or the JS backend's own). */
export interface GrowableMemory {
  readonly buffer: ArrayBufferLike;
  /** Grows by `pages` of 64 KiB; throws when that passes the maximum. */
  grow(pages: number): number;
}

export class OutOfMemoryError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'OutOfMemoryError';
  }
}

export interface AllocatorStats {
  /** Bytes handed out and not yet freed (rounded up to the alignment). */
  bytesInUse: number;
  blocksInUse: number;
  /** The most bytes in use at any one time since the allocator was made. */
  peakBytesInUse: number;
  /** Size of the linear memory now. */
  memoryBytes: number;
  maximumBytes: number;
}

export class Allocator {
  /** Free blocks sorted by address, never adjacent to each other or to `top`. */
  private freeStarts: number[] = [];
  private freeSizes: number[] = [];
  /** Sizes of live blocks by address. */
  private live = new Map<number, number>();
  /** Everything from `top` to the end of memory is unused. */
  private top: number;
  private inUse = 0;
  private peak = 0;

  constructor(
    private readonly memory: GrowableMemory,
    readonly base: number,
    readonly maximumBytes: number,
    /** Called after the memory grew, so typed-array views can be refreshed. */
    private readonly onGrow: () => void = () => {},
  ) {
    this.top = alignUp(base);
  }

  alloc(bytes: number): number {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new RangeError(`simdnet: cannot allocate ${bytes} bytes: the size must be a non-negative integer`);
    }
    const size = Math.max(ALIGNMENT, alignUp(bytes));
    const ptr = this.takeFreeBlock(size) ?? this.takeFromTop(size, bytes);
    this.live.set(ptr, size);
    this.inUse += size;
    if (this.inUse > this.peak) this.peak = this.inUse;
    return ptr;
  }

  free(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) throw new Error(`simdnet: free of ${ptr}, which is not a live block`);
    this.live.delete(ptr);
    this.inUse -= size;
    this.release(ptr, size);
  }

  sizeOf(ptr: number): number | undefined {
    return this.live.get(ptr);
  }

  stats(): AllocatorStats {
    return {
      bytesInUse: this.inUse,
      blocksInUse: this.live.size,
      peakBytesInUse: this.peak,
      memoryBytes: this.memory.buffer.byteLength,
      maximumBytes: this.maximumBytes,
    };
  }

  private takeFreeBlock(size: number): number | undefined {
    let best = -1;
    for (let i = 0; i < this.freeSizes.length; i++) {
      const s = this.freeSizes[i]!;
      if (s >= size && (best < 0 || s < this.freeSizes[best]!)) {
        best = i;
        if (s === size) break;
      }
    }
    if (best < 0) return undefined;
    const ptr = this.freeStarts[best]!;
    const rest = this.freeSizes[best]! - size;
    if (rest > 0) {
      this.freeStarts[best] = ptr + size;
      this.freeSizes[best] = rest;
    } else {
      this.freeStarts.splice(best, 1);
      this.freeSizes.splice(best, 1);
    }
    return ptr;
  }

  private takeFromTop(size: number, requested: number): number {
    const end = this.top + size;
    const current = this.memory.buffer.byteLength;
    if (end > current) {
      if (end > this.maximumBytes) {
        throw new OutOfMemoryError(
          `simdnet: out of memory: cannot allocate ${requested} bytes ` +
          `(${this.inUse} bytes in use, maximum ${this.maximumBytes} bytes); ` +
          `dispose unused tensors, use tidy(), or pass a larger maxMemoryBytes to init()`);
      }
      // Grow geometrically so a run of small allocations does not grow page by page.
      const target = Math.min(this.maximumBytes, Math.max(end, current + (current >> 1)));
      const pages = Math.ceil((target - current) / WASM_PAGE);
      try {
        this.memory.grow(pages);
      } catch (cause) {
        throw new OutOfMemoryError(
          `simdnet: out of memory: the runtime refused to grow the linear memory to ${target} bytes ` +
          `for an allocation of ${requested} bytes (${String(cause)})`);
      }
      this.onGrow();
    }
    const ptr = this.top;
    this.top = end;
    return ptr;
  }

  private release(ptr: number, size: number): void {
    // Binary search for the first free block after ptr.
    let lo = 0, hi = this.freeStarts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.freeStarts[mid]! < ptr) lo = mid + 1; else hi = mid;
    }
    let start = ptr, end = ptr + size;
    const before = lo - 1;
    if (before >= 0 && this.freeStarts[before]! + this.freeSizes[before]! === start) {
      start = this.freeStarts[before]!;
      this.freeStarts.splice(before, 1);
      this.freeSizes.splice(before, 1);
      lo--;
    }
    if (lo < this.freeStarts.length && this.freeStarts[lo] === end) {
      end += this.freeSizes[lo]!;
      this.freeStarts.splice(lo, 1);
      this.freeSizes.splice(lo, 1);
    }
    if (end === this.top) {
      this.top = start;
    } else {
      this.freeStarts.splice(lo, 0, start);
      this.freeSizes.splice(lo, 0, end - start);
    }
  }
}

export function alignUp(n: number, to = ALIGNMENT): number {
  return Math.ceil(n / to) * to;
}

/** The JS backend's memory where WebAssembly is unavailable: an ArrayBuffer copied on growth. */
export class ArrayBufferMemory implements GrowableMemory {
  buffer: ArrayBuffer;
  constructor(initialPages: number, private readonly maximumPages: number) {
    this.buffer = new ArrayBuffer(initialPages * WASM_PAGE);
  }
  grow(pages: number): number {
    const old = this.buffer.byteLength / WASM_PAGE;
    if (old + pages > this.maximumPages) throw new RangeError('maximum memory reached');
    const next = new ArrayBuffer((old + pages) * WASM_PAGE);
    new Uint8Array(next).set(new Uint8Array(this.buffer));
    this.buffer = next;
    return old;
  }
}
