// Makes the deltas src/backend/wasm-delta.js applies (format described there): greedy matching
// of the target against the base through a table of every 8-byte window of the base; a match
// of 12 bytes or more becomes a copy, anything else a literal.
const WINDOW = 8, MIN_COPY = 12, CANDIDATES = 64;

export function makeDelta(base, target) {
  const index = new Map();
  for (let i = 0; i + WINDOW <= base.length; i++) {
    const key = Buffer.from(base.buffer, base.byteOffset + i, WINDOW).toString('latin1');
    const list = index.get(key);
    if (list) { if (list.length < CANDIDATES) list.push(i); } else index.set(key, [i]);
  }
  const out = [];
  const number = (n) => {
    do {
      let byte = n % 128;
      n = Math.floor(n / 128);
      if (n) byte |= 0x80;
      out.push(byte);
    } while (n);
  };
  let literal = [], previousEnd = 0, i = 0;
  while (i < target.length) {
    let best = 0, bestAt = 0;
    const key = i + WINDOW <= target.length
      ? Buffer.from(target.buffer, target.byteOffset + i, WINDOW).toString('latin1') : undefined;
    for (const at of (key && index.get(key)) || []) {
      let n = 0;
      while (at + n < base.length && i + n < target.length && base[at + n] === target[i + n]) n++;
      if (n > best || (n === best && at === previousEnd)) { best = n; bestAt = at; }
    }
    if (best < MIN_COPY) { literal.push(target[i++]); continue; }
    number(literal.length);
    out.push(...literal);
    literal = [];
    number(best);
    const step = bestAt - previousEnd;
    number(step >= 0 ? 2 * step : -2 * step - 1);
    previousEnd = bestAt + best;
    i += best;
  }
  number(literal.length);
  out.push(...literal);
  return Uint8Array.from(out);
}
