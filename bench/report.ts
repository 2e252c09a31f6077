/**
 * Tables of the peer benchmark: one row per contender and case (median, throughput, ratio of
 * simdnet to the best peer, cross-check error, peak memory), printed as aligned text and written
 * as markdown.
 */

export type Unit = 'GFLOP/s' | 'GB/s' | 'img/s';

export interface Row {
  contender: string;
  ours: boolean;
  /** Median milliseconds of one run; undefined when the contender did not run the case. */
  ms?: number;
  /** Fastest run and CPU time per run (see bench/timing.ts). */
  minMs?: number;
  cpuMs?: number;
  samples?: number;
  /** Why it did not run ("missing (...)", "n/a (...)", an error). */
  note?: string;
  /** ‖out − ref‖ / ‖ref‖ against the case's reference output. */
  relL2?: number;
  peakBytes?: number;
}

export interface CaseResult {
  suite: string;
  name: string;
  unit: Unit;
  /** Work of one run in the unit's numerator (flops, bytes or images). */
  work: number;
  /** Whose output the others are compared with. */
  reference?: string;
  rows: Row[];
  target?: Target;
}

/** What part 2 of the performance issue asks of simdnet's best build on this case. */
export interface Target {
  text: string;
  /** Whether the measured numbers meet it (undefined when a number it needs is missing). */
  met?: boolean;
}

export function throughput(unit: Unit, work: number, ms: number): number {
  const perSecond = work / (ms / 1e3);
  return unit === 'img/s' ? perSecond : perSecond / 1e9;
}

const fmtThroughput = (unit: Unit, v: number) => (unit === 'img/s' ? v.toFixed(0) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));
const fmtBytes = (b: number | undefined) => (b === undefined ? 'n/a' : `${(b / 2 ** 20).toFixed(1)} MiB`);
const fmtL2 = (e: number | undefined) => (e === undefined ? '' : e === 0 ? '0' : e.toExponential(1));

/** The fastest peer (not simdnet) that ran the case. */
export function bestPeer(result: CaseResult): Row | undefined {
  let best: Row | undefined;
  for (const r of result.rows) if (!r.ours && r.ms !== undefined && (!best || r.ms < best.ms!)) best = r;
  return best;
}

/** How many times faster than the best peer a row of ours is. */
export function ratioToBestPeer(result: CaseResult, row: Row): number | undefined {
  const best = bestPeer(result);
  return best && row.ms !== undefined ? best.ms! / row.ms : undefined;
}

interface Column { head: string; right: boolean; cell: (r: Row, c: CaseResult) => string }

const COLUMNS: Column[] = [
  { head: 'contender', right: false, cell: (r) => r.contender },
  { head: 'median ms', right: true, cell: (r) => (r.ms === undefined ? '—' : fmtMs(r.ms)) },
  { head: 'min ms', right: true, cell: (r) => (r.minMs === undefined ? '' : fmtMs(r.minMs)) },
  { head: 'CPU ms', right: true, cell: (r) => (r.cpuMs === undefined ? '' : fmtMs(r.cpuMs)) },
  { head: 'throughput', right: true, cell: (r, c) => (r.ms === undefined ? '' : `${fmtThroughput(c.unit, throughput(c.unit, c.work, r.ms))} ${c.unit}`) },
  { head: '× best peer', right: true, cell: (r, c) => {
    const ratio = r.ours ? ratioToBestPeer(c, r) : undefined;
    return ratio === undefined ? '' : `${ratio.toFixed(2)}×`;
  } },
  { head: 'rel. L2', right: true, cell: (r) => fmtL2(r.relL2) },
  { head: 'peak memory', right: true, cell: (r) => (r.ms === undefined ? '' : fmtBytes(r.peakBytes)) },
  { head: 'note', right: false, cell: (r) => r.note ?? '' },
];

/** One case as aligned text lines. */
export function textTable(c: CaseResult): string {
  const cells = c.rows.map((r) => COLUMNS.map((col) => col.cell(r, c)));
  const widths = COLUMNS.map((col, i) => Math.max(col.head.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => (COLUMNS[i]!.right ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  const head = `${c.suite} — ${c.name}${c.reference ? `   (rel. L2 vs ${c.reference})` : ''}`;
  return [head, line(COLUMNS.map((col) => col.head)), ...cells.map(line)].join('\n');
}

export function markdownTable(c: CaseResult): string {
  const head = `#### ${c.suite} — ${c.name}${c.reference ? ` (rel. L2 vs ${c.reference})` : ''}`;
  const rows = c.rows.map((r) => `| ${COLUMNS.map((col) => col.cell(r, c).replace(/\|/g, '\\|')).join(' | ')} |`);
  return [head, '', `| ${COLUMNS.map((col) => col.head).join(' | ')} |`,
    `| ${COLUMNS.map((col) => (col.right ? '---:' : ':---')).join(' | ')} |`, ...rows].join('\n');
}

/** The summary: simdnet's best build against the best peer, per case, with the issue's target. */
export function summaryRows(results: CaseResult[]): string[][] {
  return results.map((c) => {
    const ours = c.rows.filter((r) => r.ours && r.ms !== undefined).sort((a, b) => a.ms! - b.ms!)[0];
    const peer = bestPeer(c);
    const fmt = (r: Row | undefined) => (r?.ms === undefined ? '—' : `${fmtThroughput(c.unit, throughput(c.unit, c.work, r.ms))}`);
    const ratio = ours && peer ? `${(peer.ms! / ours.ms!).toFixed(2)}×` : '—';
    const fastest = (rows: Row[]) => rows.filter((r) => r.minMs !== undefined).sort((a, b) => a.minMs! - b.minMs!)[0];
    const oursMin = fastest(c.rows.filter((r) => r.ours)), peerMin = fastest(c.rows.filter((r) => !r.ours));
    const ratioMin = oursMin && peerMin ? `${(peerMin.minMs! / oursMin.minMs!).toFixed(2)}×` : '—';
    const target = c.target ? `${c.target.text} ${c.target.met === undefined ? '(?)' : c.target.met ? '✓' : '✗'}` : '';
    return [`${c.suite}: ${c.name}`, c.unit, fmt(ours), peer ? `${fmt(peer)} (${peer.contender})` : '—', ratio, ratioMin, target];
  });
}

export const SUMMARY_HEAD = ['case', 'unit', 'simdnet (best build, median)', 'best peer (median)', 'simdnet ÷ best peer', 'same, fastest runs', 'target (medians)'];

export function summaryText(results: CaseResult[]): string {
  const rows = [SUMMARY_HEAD, ...summaryRows(results)];
  const widths = SUMMARY_HEAD.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function summaryMarkdown(results: CaseResult[]): string {
  return [`| ${SUMMARY_HEAD.join(' | ')} |`, `| ${SUMMARY_HEAD.map(() => '---').join(' | ')} |`,
    ...summaryRows(results).map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
