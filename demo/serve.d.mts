/** Types of serve.mjs (used from the TypeScript tests). */
import type { StaticServer } from '../scripts/static-server.mjs';
export function startDemo(options?: { port?: number; weights?: string; log?: (line: string) => void }): Promise<StaticServer>;
