/**
 * The kernel contract: every numeric kernel simdnet runs, with the exact signature shared by the
 * WebAssembly exports (assembly/) and their pure-JS twins (src/backend/js/).
 *
 * Calling convention (see DESIGN.md, "Kernels are pure"):
 * - Every argument is a number. Pointers are byte offsets into the one linear memory; `0` is never
 *   a valid tensor address, so an optional pointer (a bias, an index buffer) is `0` when absent.
 * - Float buffers hold the backend's float type (float32 for wasm; float32 or float64 for the JS
 *   twin). Index and label buffers hold int32.
 * - A kernel writes only into the output buffers it is given, and overwrites them completely
 *   unless the doc says it accumulates. It never allocates; scratch space, when needed, is given
 *   by the caller with the size that `scratch.ts` computes.
 * - Long argument lists of convolution and pooling geometry travel in a block of int32 words in
 *   linear memory (`geom`), laid out as `geometry.ts` says; the caller writes it, kernels only read.
 *   The top and left padding may be negative (the first window starts inside the image): the
 *   thread pool runs a band of output rows, or one kernel row of a filter gradient, that way
 *   (src/backend/parallel-conv.ts, parallel-pool.ts; tests/threads/bands.test.ts).
 * - Callers validate everything first (src/ops): kernels trust their arguments.
 */
export interface Kernels {
  // ---- matrix multiply -------------------------------------------------------------------------
  /**
   * C[m×n] = alpha · op(A) · op(B) + beta · C, row-major, op(X) = Xᵀ when trans flag is 1.
   * A is m×k (or k×m when transA) with row stride lda; B is k×n (or n×k when transB) with stride ldb.
   * beta = 0 means C is not read (it may hold garbage or NaN). scratch: `scratch.gemm` bytes.
   */
  gemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number,
    scratch: number): void;

  // ---- convolution (NHWC activations, OHWI filters; geometry block: geometry.ts CONV_*) -------
  /** y[n,oh,ow,oc] = bias[oc] + Σ x[n, oh·sh − padT + kh·dh, ow·sw − padL + kw·dw, g·cinG + ic] · w[oc,kh,kw,ic];
   *  taps outside the input read zero. bias = 0: none. CONV_FLAGS: RELU fuses a ReLU at the store;
   *  PACKED says w is conv2dPackFilter's output for this geometry rather than the OHWI filter. */
  conv2dForward(geom: number, x: number, w: number, bias: number, y: number, scratch: number): void;
  /** Bytes of the filter in the layout the forward's inner loop reads, for callers that keep it
   *  across calls (the weights change less often than the forward runs); 0 where the forward reads
   *  the OHWI filter as it is (then CONV_FLAG_PACKED must not be set). */
  conv2dPackedFilterBytes(geom: number): number;
  /** Writes that layout of the OHWI filter w to packed (conv2dPackedFilterBytes bytes). */
  conv2dPackFilter(geom: number, w: number, packed: number): void;
  /** dx = the gradient of the convolution's input given dy (a transposed convolution). */
  conv2dBackwardInput(geom: number, dy: number, w: number, dx: number, scratch: number): void;
  /** dw = the gradient of the filter given x and dy. */
  conv2dBackwardFilter(geom: number, x: number, dy: number, dw: number, scratch: number): void;

  // ---- pooling (NHWC; geometry block: geometry.ts POOL_*) ------------------------------------
  /** Max over each window (padding taps never win). argmax (int32, may be 0) receives, per output
   *  element, the flat index h·W + w of the winning input position within its image and channel:
   *  the first maximum in row-major window order, also when every value is negative. */
  maxPool2dForward(geom: number, x: number, y: number, argmax: number): void;
  /** dx = 0, then dx[argmax] += dy for each output element. */
  maxPool2dBackward(geom: number, dy: number, argmax: number, dx: number): void;
  /** Average pooling with PyTorch's divisor rules (POOL_FLAGS bit 0: countIncludePad). */
  avgPool2dForward(geom: number, x: number, y: number): void;
  avgPool2dBackward(geom: number, dy: number, dx: number): void;
  /** PyTorch's LPPool2d: y = (Σ_window x^p)^(1/p), with PyTorch's behaviour on partial ceilMode windows. */
  lpPool2dForward(geom: number, p: number, x: number, y: number): void;
  lpPool2dBackward(geom: number, p: number, x: number, y: number, dy: number, dx: number): void;
  /** Adaptive average pooling: window i spans [floor(i·H/OH), ceil((i+1)·H/OH)). Uses POOL_N..POOL_C, POOL_OH, POOL_OW. */
  adaptiveAvgPool2dForward(geom: number, x: number, y: number): void;
  adaptiveAvgPool2dBackward(geom: number, dy: number, dx: number): void;

  // ---- elementwise ----------------------------------------------------------------------------
  /** y = a (op) b elementwise over n elements; op: BINARY_* below. y may alias a or b. */
  binary(op: number, a: number, b: number, y: number, n: number): void;
  /** Broadcasting binary op. geom: [rank, outShape×6, aStrides×6, bStrides×6] in elements,
   *  right-aligned in the 6 slots (leading unused dims have extent 1); a stride of 0 broadcasts. */
  binaryBroadcast(op: number, geom: number, a: number, b: number, y: number): void;
  /** da = Σ of dy over the dimensions that a broadcast: geom as for binaryBroadcast with a's strides
   *  in the "a" slots; da has a's element count and is overwritten. */
  sumToShape(geom: number, dy: number, da: number, daSize: number): void;
  /** y = alpha · x + beta (n elements); y may alias x. */
  affine(x: number, alpha: number, beta: number, y: number, n: number): void;
  /** y[r, c] = x[r, c] + b[c]; y may alias x. */
  addRowVector(x: number, b: number, y: number, rows: number, cols: number): void;
  /** y = value over n elements. */
  fill(y: number, value: number, n: number): void;
  /** dst[r·dstStride + dstOffset + c] = src[r·srcStride + srcOffset + c] for r < rows, c < cols
   *  (concatenation, splitting and slicing along an axis are all this copy). */
  copy2d(src: number, srcStride: number, srcOffset: number, dst: number, dstStride: number,
    dstOffset: number, rows: number, cols: number): void;
  /** y = f(x) for UNARY_* below; y may alias x. */
  unary(op: number, x: number, y: number, n: number): void;
  /** dx = dy · f'(…) for UNARY_*: relu uses the input x; sigmoid, tanh, scaledTanh and exp use
   *  the output y (pass it as `saved`); dx may alias dy. */
  unaryBackward(op: number, saved: number, dy: number, dx: number, n: number): void;

  // ---- reductions and normalisations along an axis (x viewed as [outer, len, inner]) ------------
  /** y[o, i] = Σ_l x[o, l, i]. */
  reduceSum(x: number, y: number, outer: number, len: number, inner: number): void;
  /** y[o, l, i] = x[o, i] (the backward of reduceSum). */
  broadcastAxis(x: number, y: number, outer: number, len: number, inner: number): void;
  /** Numerically stable softmax / log-softmax along the middle axis. */
  softmax(x: number, y: number, outer: number, len: number, inner: number): void;
  softmaxBackward(y: number, dy: number, dx: number, outer: number, len: number, inner: number): void;
  logSoftmax(x: number, y: number, outer: number, len: number, inner: number): void;
  logSoftmaxBackward(y: number, dy: number, dx: number, outer: number, len: number, inner: number): void;
  /** loss[r] = −logp[r, labels[r]] (labels int32, already checked to be in range). */
  nllLoss(logp: number, labels: number, loss: number, rows: number, classes: number): void;
  /** dlogp = 0, then dlogp[r, labels[r]] = −dloss[r]. */
  nllLossBackward(dloss: number, labels: number, dlogp: number, rows: number, classes: number): void;

  // ---- batch norm over [rows, channels] (NHWC flattened) ---------------------------------------
  /** mean[c] and biased variance var[c] over the rows. */
  batchNormStats(x: number, mean: number, variance: number, rows: number, channels: number): void;
  /** y = (x − mean[c]) · invStd[c] · gamma[c] + beta[c]; gamma / beta 0 mean 1 / 0. */
  batchNormForward(x: number, mean: number, invStd: number, gamma: number, beta: number, y: number,
    rows: number, channels: number): void;
  /** Gradients of batchNormForward. training = 1: mean and invStd are the batch's own statistics
   *  (their dependence on x is differentiated); 0: they are constants. dgamma / dbeta may be 0. */
  batchNormBackward(training: number, x: number, dy: number, mean: number, invStd: number,
    gamma: number, dx: number, dgamma: number, dbeta: number, rows: number, channels: number): void;

  // ---- local response normalisation across channels (PyTorch's definition) ---------------------
  /** y = x / (k + alpha/size · Σ_window x²)^beta, window [c − ⌊size/2⌋, c + ⌊(size−1)/2⌋];
   *  denom receives (k + alpha/size · Σ x²) for the backward. */
  lrnForward(x: number, y: number, denom: number, rows: number, channels: number, size: number,
    alpha: number, beta: number, k: number): void;
  lrnBackward(x: number, y: number, denom: number, dy: number, dx: number, rows: number,
    channels: number, size: number, alpha: number, beta: number, k: number): void;

  // ---- optimizer steps (in place over n elements; the state buffers persist between steps) ------
  /** SGD with PyTorch's rule: d = g + weightDecay·w; with momentum ≠ 0, v = momentum·v + (1 −
   *  dampening)·d (v = d on the first step: flags bit 1, v is not read then) and the step is v, or
   *  d + momentum·v with Nesterov (flags bit 0); without momentum the step is d and v is not
   *  touched (may be 0). w −= lr·step. Every operation rounds to the float type (no fused
   *  multiply-add), so the builds and the twin agree bit for bit. */
  sgdStep(w: number, g: number, v: number, n: number, lr: number, momentum: number, dampening: number,
    weightDecay: number, flags: number): void;
  /** Adam: g' = g + weightDecay·w (or, decoupled — AdamW, flags bit 0 — w ·= 1 − lr·weightDecay
   *  first); m = β1·m + (1 − β1)·g'; v = β2·v + (1 − β2)·g'²; w −= (lr / c1)·m / (√(v / c2) + eps),
   *  where the caller passes the bias corrections c1 = 1 − β1ᵗ and c2 = 1 − β2ᵗ. Rounded as sgdStep. */
  adamStep(w: number, g: number, m: number, v: number, n: number, lr: number, beta1: number, beta2: number,
    eps: number, weightDecay: number, flags: number, c1: number, c2: number): void;

  // ---- dropout ----------------------------------------------------------------------------------
  /** mask[i] = 0 with probability p, else 1/(1−p), from a counter-based hash of (seed, offset + i)
   *  so the result does not depend on how the work is split; y = x · mask. */
  dropoutForward(x: number, y: number, mask: number, n: number, p: number, seed: number, offset: number): void;
}

/** binary(op, …) */
export const BINARY_ADD = 0, BINARY_SUB = 1, BINARY_MUL = 2, BINARY_DIV = 3;
/** unary(op, …) */
export const UNARY_RELU = 0, UNARY_SIGMOID = 1, UNARY_TANH = 2, UNARY_SCALED_TANH = 3,
  UNARY_EXP = 4, UNARY_NEG = 5, UNARY_SQUARE = 6;
/** sgdStep flags. */
export const SGD_NESTEROV = 1, SGD_FIRST = 2;
/** adamStep flags. */
export const ADAM_DECOUPLED = 1;
/** LeCun 1998, appendix A: f(a) = A·tanh(S·a), A = 1.7159, S = 2/3. */
export const SCALED_TANH_A = 1.7159, SCALED_TANH_S = 2 / 3;

export type KernelName = keyof Kernels;
