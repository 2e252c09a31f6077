/**
 * The package as users get it: the exports map points at built files, the code that hosts load
 * uses no Node-only API and nothing workerd or a strict CSP forbids, the declarations type-check a
 * TypeScript consumer, and the download stays within the size budget.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireFreshDist, root } from './helpers/dist.ts';

beforeAll(() => requireFreshDist());

const run = promisify(execFile);

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function targets(value: unknown): string[] {
  return typeof value === 'string' ? [value] : Object.values(value as object).flatMap(targets);
}

describe('the package', () => {
  it('every path of the exports map exists, and workerd gets its own entry', () => {
    for (const path of targets(pkg.exports)) expect(existsSync(join(root, path)), path).toBe(true);
    expect(pkg.exports['.'].workerd).toBe('./dist/index.workerd.js');
    expect(Object.keys(pkg.exports['.'])).toEqual(['types', 'workerd', 'default']);
  });

  /** The files an entry loads: itself and every chunk it imports, transitively. */
  const loadedBy = (entry: string): string[] => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = readFileSync(join(root, 'dist', file), 'utf8');
      for (const m of code.matchAll(/(?:from|import)\s*["']\.\/([^"']+\.js)["']/g)) visit(m[1]!);
    };
    visit(entry);
    return [...seen];
  };

  it('the code the library entries load has no Node-only API, no dynamic import, no eval', () => {
    const files = [...new Set([...loadedBy('index.js'), ...loadedBy('index.workerd.js')])];
    expect(files).toEqual(expect.arrayContaining(['index.js', 'index.workerd.js']));
    expect(files.some((f) => f.startsWith('core-'))).toBe(true);
    expect(files).not.toContain('threads.js');
    // Global names only (not a member such as model.eval()); eval and Function only when called with code.
    const global = (pattern: string) => new RegExp(`(?<![\\w$.])${pattern}`);
    const forbidden: [string, RegExp][] = [
      ['a node: import', /["']node:/], ['process', global('process\\s*\\.')], ['Buffer', global('Buffer\\b')],
      ['require()', global('require\\s*\\(')], ['dynamic import()', global('import\\s*\\(')], ['import.meta', /import\.meta/],
      ['eval', global('eval\\s*\\((?!\\))')], ['Function()', global('Function\\s*\\((?!\\))')],
    ];
    for (const file of files) {
      const code = readFileSync(join(root, 'dist', file), 'utf8');
      for (const [what, pattern] of forbidden) expect(pattern.test(code), `${file} uses ${what}`).toBe(false);
    }
  });

  it('threads are opt-in: simdnet/threads is its own entry, the browser one without Node APIs, the Node one with worker_threads', () => {
    expect(Object.keys(pkg.exports['./threads'])).toEqual(['types', 'workerd', 'node', 'default']);
    const browser = loadedBy('threads.js').map((f) => readFileSync(join(root, 'dist', f), 'utf8')).join('\n');
    expect(/["']node:/.test(browser), 'threads.js uses a node: import').toBe(false);
    expect(readFileSync(join(root, 'dist', 'threads.node.js'), 'utf8')).toMatch(/["']node:worker_threads["']/);
    for (const file of ['worker.js', 'thread-tasks.js']) expect(existsSync(join(root, 'dist', file)), file).toBe(true);
  });

  it('the declarations type-check a strict TypeScript consumer that imports simdnet and simdnet/data by name', async () => {
    // Inside the package folder, so that the consumer resolves the package by its own name.
    const dir = join(root, 'artifacts', 'typed-consumer');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'consumer.ts'), [
      "import * as sn from 'simdnet';",
      "import { loadMnist, type ImageDataset } from 'simdnet/data';",
      'export async function main(): Promise<number> {',
      '  const info: sn.InitResult = await sn.init();',
      "  const model = sn.zoo.lenet5({ variant: 'modern' });",
      '  const digits: ImageDataset = loadMnist();',
      '  const x = sn.tensor(digits.images.subarray(0, 784), [1, 28, 28, 1]);',
      '  const tape = new sn.GradientTape();',
      '  const y = tape.record(() => sn.sum(sn.conv2d(x, sn.zeros([2, 3, 3, 1]))));',
      '  const [dx] = tape.gradient(y, [x]);',
      "  return dx!.shape[1]! + model.numParameters() + (info.backend === 'wasm' ? 1 : 0);",
      '}',
      '',
    ].join('\n'));
    // Node's own ESM resolution and a bundler's, checked side by side.
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const outputs = await Promise.all(['node16', 'bundler'].map(async (resolution) => {
      const config = join(dir, `tsconfig.${resolution}.json`);
      writeFileSync(config, JSON.stringify({
        compilerOptions: {
          target: 'es2022', module: resolution === 'node16' ? 'node16' : 'esnext', moduleResolution: resolution,
          strict: true, noEmit: true, skipLibCheck: false, types: [], lib: ['es2022', 'dom'],
        },
        files: ['consumer.ts'],
      }));
      try {
        await run(process.execPath, [tsc, '-p', config], { encoding: 'utf8' });
        return `${resolution}: ok`;
      } catch (error) {
        return `${resolution}: ${(error as { stdout?: string }).stdout ?? error}`;
      }
    }));
    expect(outputs).toEqual(['node16: ok', 'bundler: ok']);
  });

  it('npm run size: the JS and wasm of each entry stay within 100 KB gzipped', () => {
    const report = execFileSync(process.execPath, [join(root, 'scripts', 'size.mjs')], { encoding: 'utf8' });
    expect(report).toMatch(/index\.js \(kernels embedded as base64\)/);
    expect(report).toMatch(/index\.workerd\.js \(kernels as wasm module imports\)/);
  });
});
