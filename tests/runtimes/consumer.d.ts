/** Types of consumer.js, for the TypeScript tests that run it as the reference. */
export interface HostInfo { backend: 'wasm' | 'js'; simd: 'simd' | 'relaxed' | undefined }
export interface ConvResult { y: number[]; dx: number[]; dw: number[]; db: number[] }
export interface RunResult { host: HostInfo; conv: ConvResult; lenet: number[] }
export interface RunInput {
  /** safetensors bytes of LeNet-5 (modern). */
  weights: Uint8Array | ArrayBuffer;
  /** 28 rows of 28 pixel values in [0, 1], or 784 values. */
  digit: unknown;
  init?: { relaxedSimd?: boolean; backend?: 'wasm' | 'js' };
}
export function ready(options?: RunInput['init']): Promise<HostInfo>;
export function run(input: RunInput): Promise<RunResult>;
export function convWithGradients(): ConvResult;
export function classify(weights: Uint8Array | ArrayBuffer, digit: unknown): number[];
export function digitPixels(digit: unknown): Float32Array;
