// Optimizer updates (kernels.ts, "optimizer steps"): one pass over a parameter, its gradient and
// its state, in place. In JavaScript these loops cost about as much as LeNet-5's small layers;
// here they are SIMD and never leave linear memory. Plain multiplies and adds (no fused
// multiply-add), each rounded to float32, so every build and the JS twin agree bit for bit.

const SGD_NESTEROV = 1, SGD_FIRST = 2;
const ADAM_DECOUPLED = 1;

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** d = g + weightDecay·w; with momentum v = first ? d : momentum·v + (1 − dampening)·d and the step
 *  is v (or d + momentum·v, Nesterov); w −= lr·step. v is untouched when momentum = 0. */
export function sgdStep(w: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, dampening: f32,
  weightDecay: f32, flags: i32): void {
  const nesterov = (flags & SGD_NESTEROV) != 0, first = (flags & SGD_FIRST) != 0;
  const vlr = f32x4.splat(lr), vm = f32x4.splat(momentum), vkeep = f32x4.splat(1 - dampening);
  const vwd = f32x4.splat(weightDecay);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const wi = v128.load(at(w, i));
    const d = f32x4.add(v128.load(at(g, i)), f32x4.mul(vwd, wi));
    let step = d;
    if (momentum != 0) {
      const vi = first ? d : f32x4.add(f32x4.mul(vm, v128.load(at(v, i))), f32x4.mul(vkeep, d));
      v128.store(at(v, i), vi);
      step = nesterov ? f32x4.add(d, f32x4.mul(vm, vi)) : vi;
    }
    v128.store(at(w, i), f32x4.sub(wi, f32x4.mul(vlr, step)));
  }
  for (; i < n; i++) {
    const wi = load<f32>(at(w, i));
    const d: f32 = load<f32>(at(g, i)) + weightDecay * wi;
    let step = d;
    if (momentum != 0) {
      const vi: f32 = first ? d : momentum * load<f32>(at(v, i)) + (1 - dampening) * d;
      store<f32>(at(v, i), vi);
      step = nesterov ? d + momentum * vi : vi;
    }
    store<f32>(at(w, i), wi - lr * step);
  }
}

/** Adam (decoupled: AdamW) with the bias corrections c1 = 1 − β1ᵗ and c2 = 1 − β2ᵗ given. */
export function adamStep(w: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, beta2: f32,
  eps: f32, weightDecay: f32, flags: i32, c1: f32, c2: f32): void {
  const decoupled = (flags & ADAM_DECOUPLED) != 0;
  const shrink: f32 = decoupled ? 1 - lr * weightDecay : 1;
  const coupled: f32 = decoupled ? 0 : weightDecay;
  const stepSize: f32 = lr / c1;
  const vb1 = f32x4.splat(beta1), vb2 = f32x4.splat(beta2), va1 = f32x4.splat(1 - beta1), va2 = f32x4.splat(1 - beta2);
  const vshrink = f32x4.splat(shrink), vcoupled = f32x4.splat(coupled), vstep = f32x4.splat(stepSize);
  const vc2 = f32x4.splat(c2), veps = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const w0 = v128.load(at(w, i));
    const gi = f32x4.add(v128.load(at(g, i)), f32x4.mul(vcoupled, w0));
    const wi = f32x4.mul(w0, vshrink);
    const mi = f32x4.add(f32x4.mul(vb1, v128.load(at(m, i))), f32x4.mul(va1, gi));
    const vi = f32x4.add(f32x4.mul(vb2, v128.load(at(v, i))), f32x4.mul(f32x4.mul(va2, gi), gi));
    v128.store(at(m, i), mi);
    v128.store(at(v, i), vi);
    const denom = f32x4.add(f32x4.sqrt(f32x4.div(vi, vc2)), veps);
    v128.store(at(w, i), f32x4.sub(wi, f32x4.div(f32x4.mul(vstep, mi), denom)));
  }
  for (; i < n; i++) {
    const w0 = load<f32>(at(w, i));
    const gi: f32 = load<f32>(at(g, i)) + coupled * w0;
    const wi: f32 = w0 * shrink;
    const mi: f32 = beta1 * load<f32>(at(m, i)) + (1 - beta1) * gi;
    const vi: f32 = beta2 * load<f32>(at(v, i)) + (1 - beta2) * gi * gi;
    store<f32>(at(m, i), mi);
    store<f32>(at(v, i), vi);
    store<f32>(at(w, i), wi - stepSize * mi / (Mathf.sqrt(vi / c2) + eps));
  }
}
