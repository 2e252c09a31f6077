import { describe, expect, it } from 'vitest';
import { filterShape, orientationName } from '../../examples/lib/filter-shape.ts';

/** A 5×5 filter from f(row, column), row 0 at the top. */
const filter = (f: (y: number, x: number) => number) => Float32Array.from({ length: 25 }, (_, i) => f(Math.floor(i / 5), i % 5));

describe('filterShape', () => {
  it('finds a horizontal edge (dark above, light below): 0°, fully coherent, zero mean', () => {
    const s = filterShape(filter((y) => (y < 2 ? -1 : y > 2 ? 1 : 0)), 5, 5);
    expect(s.edgeDegrees).toBeCloseTo(0, 6);
    expect(s.coherence).toBeCloseTo(1, 6);
    expect(s.meanRatio).toBeCloseTo(0, 6);
  });

  it('finds a vertical edge at 90° and the two diagonals at 45° (/) and 135° (\\)', () => {
    expect(filterShape(filter((_, x) => x - 2), 5, 5).edgeDegrees).toBeCloseTo(90, 6);
    // Constant along lines x + y = c in image rows: those lines rise to the right.
    expect(filterShape(filter((y, x) => x + y), 5, 5).edgeDegrees).toBeCloseTo(45, 6);
    expect(filterShape(filter((y, x) => x - y), 5, 5).edgeDegrees).toBeCloseTo(135, 6);
  });

  it('gives a uniform filter a mean ratio of 1 and no orientation; a radial blob no preferred direction', () => {
    const flat = filterShape(filter(() => 0.3), 5, 5);
    expect(flat.meanRatio).toBeCloseTo(1, 6);
    expect(flat.coherence).toBe(0);
    expect(filterShape(filter(() => -2), 5, 5).meanRatio).toBeCloseTo(-1, 6);
    const blob = filterShape(filter((y, x) => Math.exp(-((y - 2) ** 2 + (x - 2) ** 2))), 5, 5);
    expect(blob.coherence).toBeLessThan(1e-9);
  });

  it('refuses a filter whose values do not match its size', () => {
    expect(() => filterShape(new Float32Array(24), 5, 5)).toThrowError(/need a filter of at least 3×3 with 5×5 values, got 24/);
    expect(() => filterShape(new Float32Array(4), 2, 2)).toThrowError(/at least 3×3/);
  });
});

describe('orientationName', () => {
  it('names the nearest of the four orientations, wrapping at 180°', () => {
    expect([0, 20, 30, 60, 80, 100, 130, 160, 179, 180, -10].map(orientationName)).toEqual([
      'horizontal', 'horizontal', 'rising diagonal (/)', 'rising diagonal (/)', 'vertical', 'vertical',
      'falling diagonal (\\)', 'horizontal', 'horizontal', 'horizontal', 'horizontal',
    ]);
  });
});
