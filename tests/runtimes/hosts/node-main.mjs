/**
 * Node host, main thread: the consumer over the built package, which Node resolves by name through
 * the package's `exports` (the "default" entry). Reads { weights (base64), digit } as JSON on
 * stdin and prints consumer.run's result as JSON.
 */
import { readFileSync } from 'node:fs';
import { run } from '../consumer.js';

const input = JSON.parse(readFileSync(0, 'utf8'));
const weights = new Uint8Array(Buffer.from(input.weights, 'base64'));
process.stdout.write(JSON.stringify(await run({ weights, digit: input.digit })));
