/**
 * Browser host, module Web Worker. Chromium applies no import map inside workers, so the test
 * bundles this file with esbuild as an app would (the package's "default" entry, kernels
 * embedded). Each message is consumer.run's input; the reply is { result } or { error }.
 */
import { run } from '../consumer.js';

self.onmessage = async (event) => {
  try {
    self.postMessage({ result: await run(event.data) });
  } catch (error) {
    self.postMessage({ error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) });
  }
};
