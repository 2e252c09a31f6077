/**
 * Starting kernel threads with Node's worker_threads: registered by the `simdnet/threads` entry
 * for Node (the "node" export condition), the only place the library touches a Node-only API.
 */
import { Worker as NodeWorker } from 'node:worker_threads';
import { withTimeout, type HostWorker, type WorkerData } from './threads.ts';

export async function spawnNodeWorker(data: WorkerData, url: string | URL | undefined): Promise<HostWorker> {
  const worker = new NodeWorker(url ?? new URL('./worker.js', import.meta.url), { workerData: data });
  worker.unref();
  const ready = new Promise<void>((resolve, reject) => {
    worker.once('message', (m: { ready?: boolean; error?: string }) => {
      if (m.ready) resolve();
      else reject(new Error(`a kernel thread failed to start: ${m.error}`));
    });
    worker.once('error', (e: Error) => reject(new Error(`a kernel thread failed: ${e.message}`)));
    worker.once('exit', (code: number) => reject(new Error(`a kernel thread exited during start-up (code ${code})`)));
  });
  try {
    await withTimeout(ready);
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  worker.removeAllListeners();
  return worker;
}
