/**
 * Starting kernel threads as module Workers (browsers, Deno, bundlers): registered by the
 * `simdnet/threads` default entry. `new URL('./worker.js', import.meta.url)` is the form bundlers
 * recognise and emit; `init({ workerUrl })` overrides it. The page must be cross-origin isolated.
 */
import { withTimeout, type HostWorker, type WorkerData } from './threads.ts';

export async function spawnModuleWorker(data: WorkerData, url: string | URL | undefined): Promise<HostWorker> {
  if (typeof Worker !== 'function') throw new Error('this runtime has no Worker');
  const worker = url !== undefined
    ? new Worker(url, { type: 'module' })
    : new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<{ ready?: boolean; error?: string }>) => {
      if (event.data.ready) resolve();
      else reject(new Error(`a kernel thread failed to start: ${event.data.error}`));
    };
    worker.onerror = (event) => {
      event.preventDefault?.();
      reject(new Error(`the worker script failed to load${event.message ? `: ${event.message}` : ''}`));
    };
  });
  try {
    worker.postMessage(data);
    await withTimeout(ready);
  } catch (error) {
    worker.terminate();
    throw error;
  }
  worker.onmessage = null;
  worker.onerror = null;
  return worker;
}
