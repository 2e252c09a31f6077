/** Tiny `--name value` / `--flag` argument parsing for the examples. */
export function parseArgs<T extends Record<string, string | number | boolean>>(defaults: T, argv = process.argv.slice(2)): T {
  const out: Record<string, string | number | boolean> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      console.log(`options:\n${Object.entries(defaults).map(([k, v]) => `  --${k} ${typeof v === 'boolean' ? '' : `<${typeof v}>`} (default ${v})`).join('\n')}`);
      process.exit(0);
    }
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg} (options start with --; see --help)`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    const key = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!(key in defaults)) throw new Error(`unknown option --${name} (see --help)`);
    const kind = typeof defaults[key];
    if (kind === 'boolean') { out[key] = inline === undefined ? true : inline !== 'false'; continue; }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value`);
    if (kind === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got ${value}`);
      out[key] = n;
    } else out[key] = value;
  }
  return out as T;
}
