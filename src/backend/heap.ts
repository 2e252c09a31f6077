/**
 * Typed-array views of the linear memory. Growing a memory detaches (or, when shared, leaves
 * stale) the views made before, so every accessor checks the buffer and remakes the views after
 * a growth: hold a view only for the span of one kernel call.
 */
import type { GrowableMemory } from './allocator.ts';

export class HeapViews {
  private seen: ArrayBufferLike | undefined;
  private _f32!: Float32Array;
  private _f64!: Float64Array;
  private _i32!: Int32Array;
  private _u8!: Uint8Array;

  constructor(readonly memory: GrowableMemory) {
    this.refresh();
  }

  refresh(): void {
    const buffer = this.memory.buffer;
    if (buffer === this.seen && this._u8.byteLength === buffer.byteLength) return;
    this.seen = buffer;
    this._f32 = new Float32Array(buffer);
    this._f64 = new Float64Array(buffer);
    this._i32 = new Int32Array(buffer);
    this._u8 = new Uint8Array(buffer);
  }

  get f32(): Float32Array { this.refresh(); return this._f32; }
  get f64(): Float64Array { this.refresh(); return this._f64; }
  get i32(): Int32Array { this.refresh(); return this._i32; }
  get u8(): Uint8Array { this.refresh(); return this._u8; }
}
