/** Node host, worker_threads: the consumer inside a worker thread; workerData is consumer.run's input. */
import { parentPort, workerData } from 'node:worker_threads';
import { run } from '../consumer.js';

parentPort.postMessage(await run(workerData));
