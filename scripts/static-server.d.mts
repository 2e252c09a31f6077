/** Types of static-server.mjs (used from the TypeScript tests). */
export interface StaticServer { url: string; port: number; close(): Promise<void> }
export interface StaticServerOptions {
  /** URL prefix → folder. */
  routes: Record<string, string>;
  /** Exact path → bytes made on demand. */
  generated?: Record<string, () => string | Uint8Array | Promise<string | Uint8Array>>;
  host?: string;
  port?: number;
  log?: (line: string) => void;
  /** Send COOP same-origin and COEP require-corp with every response (SharedArrayBuffer). */
  crossOriginIsolated?: boolean;
}
export function startStaticServer(options: StaticServerOptions): Promise<StaticServer>;
