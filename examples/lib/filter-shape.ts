/**
 * Describing a small 2-D filter with numbers: how much of it is a plain average (its mean against
 * its size), and whether it is oriented — the dominant direction of its intensity gradient and
 * how strongly one direction dominates (the coherence of the structure tensor, 0 for no preferred
 * direction, 1 for a perfect straight edge or bar).
 */
export interface FilterShape {
  /** mean / root-mean-square of the weights: ±1 for a uniform filter, 0 for a zero-sum (edge-like) one. */
  meanRatio: number;
  /** Orientation of the edges or strokes the filter matches, in degrees in [0, 180): 0 horizontal, 90 vertical, 45 rising to the right. */
  edgeDegrees: number;
  /** (λ₁ − λ₂) / (λ₁ + λ₂) of the gradient structure tensor, in [0, 1]. */
  coherence: number;
}

/** Shape of a kh × kw filter given row-major (row 0 at the top, as in an image). */
export function filterShape(values: ArrayLike<number>, kh: number, kw: number): FilterShape {
  if (values.length !== kh * kw || kh < 3 || kw < 3) throw new RangeError(`filterShape: need a filter of at least 3×3 with ${kh}×${kw} values, got ${values.length}`);
  let sum = 0, squares = 0;
  for (let i = 0; i < values.length; i++) { sum += values[i]!; squares += values[i]! ** 2; }
  const rms = Math.sqrt(squares / values.length);
  const at = (y: number, x: number) => values[y * kw + x]!;
  // Central differences on the interior; y is flipped so angles count counter-clockwise from the x axis.
  let jxx = 0, jyy = 0, jxy = 0;
  for (let y = 1; y < kh - 1; y++) {
    for (let x = 1; x < kw - 1; x++) {
      const gx = (at(y, x + 1) - at(y, x - 1)) / 2;
      const gy = -(at(y + 1, x) - at(y - 1, x)) / 2;
      jxx += gx * gx; jyy += gy * gy; jxy += gx * gy;
    }
  }
  const trace = jxx + jyy;
  const gradientDegrees = (0.5 * Math.atan2(2 * jxy, jxx - jyy) * 180) / Math.PI;
  // An edge runs across its gradient.
  const edgeDegrees = (((gradientDegrees + 90) % 180) + 180) % 180;
  return {
    meanRatio: rms === 0 ? 0 : sum / values.length / rms,
    edgeDegrees,
    coherence: trace === 0 ? 0 : Math.sqrt((jxx - jyy) ** 2 + 4 * jxy ** 2) / trace,
  };
}

/** The nearest of the four named orientations: "horizontal", "rising diagonal" (/), "vertical", "falling diagonal" (\). */
export function orientationName(degrees: number): string {
  const names = ['horizontal', 'rising diagonal (/)', 'vertical', 'falling diagonal (\\)'];
  return names[Math.round((((degrees % 180) + 180) % 180) / 45) % 4]!;
}
