/** Bundling a host file the way an app's build would, resolving `simdnet` through the package's exports. */
import { build } from 'esbuild';
import { join } from 'node:path';
import { root } from './dist.ts';

export interface BundleOptions {
  /** Export conditions in order of preference (esbuild adds import and default). */
  conditions: string[];
  platform: 'browser' | 'neutral';
  /** Imports left to the host, kept as written (wasm and data modules for workerd). */
  external?: string[];
}

export async function bundle(entry: string, options: BundleOptions): Promise<string> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [join(root, entry)],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    platform: options.platform,
    conditions: options.conditions,
    external: options.external ?? [],
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
