/**
 * workerd host: a Cloudflare Worker around the consumer. The test bundles it as wrangler does
 * (export conditions workerd, worker, browser; *.wasm as CompiledWasm modules; *.bin as Data),
 * so the library arrives through its "workerd" entry and the weights ship inside the Worker.
 *
 *   POST /classify  body: a 28×28 digit (JSON, values 0–1)  →  { probabilities: number[10] }
 *   POST /run       body: { digit }                          →  everything consumer.run compares
 */
import weights from './weights.bin';
import { classify, ready, run } from '../consumer.js';

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (request.method !== 'POST' || (pathname !== '/classify' && pathname !== '/run')) {
      return Response.json({ error: 'POST a digit to /classify, or { digit } to /run' }, { status: 404 });
    }
    let body;
    try {
      body = await request.json();
    } catch {
      return Response.json({ error: 'the body must be JSON' }, { status: 400 });
    }
    try {
      if (pathname === '/run') return Response.json(await run({ weights, digit: body?.digit }));
      await ready();
      return Response.json({ probabilities: classify(weights, body) });
    } catch (error) {
      return Response.json({ error: error instanceof Error ? error.message : String(error) }, { status: 400 });
    }
  },
};
