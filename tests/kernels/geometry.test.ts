import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import * as geometry from '../../src/backend/geometry.ts';

it('assembly/geometry.ts mirrors every word offset and flag of src/backend/geometry.ts', () => {
  const source = readFileSync(new URL('../../assembly/geometry.ts', import.meta.url), 'utf8');
  const assembly = new Map([...source.matchAll(/\b([A-Z][A-Z0-9_]+)\s*=\s*(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
  const typescript = Object.entries(geometry).filter(([, v]) => typeof v === 'number');
  expect(typescript.length).toBeGreaterThan(40);
  for (const [name, value] of typescript) expect(assembly.get(name), name).toBe(value);
  expect([...assembly.keys()].sort()).toEqual(typescript.map(([k]) => k).sort());
});
