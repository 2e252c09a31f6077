/** Types of digit.js (used from the TypeScript tests). */
export const SIDE: 28;
export function inkBounds(grey: ArrayLike<number>, width: number, height: number, threshold?: number): { x0: number; y0: number; x1: number; y1: number } | undefined;
export function toMnist(grey: ArrayLike<number>, width: number, height: number): Float32Array | undefined;
export function rgbaToGrey(rgba: ArrayLike<number>): Float32Array;
