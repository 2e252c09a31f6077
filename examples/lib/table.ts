/**
 * Result tables for the experiments: aligned plain text for the terminal as results arrive, and the
 * same tables as GitHub markdown at the end of a run (for the README), via a Report.
 */
export type Align = 'left' | 'right';
export interface Column { header: string; align?: Align }
export type Cell = string | number;

/** Width in characters as a terminal shows them (code points, so '×', '±', '¹³' count once). */
function width(s: string): number {
  return [...s].length;
}

function pad(s: string, n: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, n - width(s)));
  return align === 'left' ? s + fill : fill + s;
}

export class Table {
  readonly columns: Required<Column>[];
  private readonly body: string[][] = [];

  /** Columns given as a header alone are left-aligned when first, right-aligned otherwise (numbers). */
  constructor(readonly title: string, columns: (string | Column)[]) {
    if (columns.length === 0) throw new RangeError(`table "${title}": give at least one column`);
    this.columns = columns.map((c, i) => {
      const col = typeof c === 'string' ? { header: c } : c;
      return { header: col.header, align: col.align ?? (i === 0 ? 'left' : 'right') };
    });
  }

  /** Appends a row; numbers print as String(n), so format them first for a fixed precision. */
  add(...cells: Cell[]): this {
    if (cells.length !== this.columns.length) {
      throw new RangeError(`table "${this.title}": a row has ${cells.length} cells for ${this.columns.length} columns`);
    }
    this.body.push(cells.map(String));
    return this;
  }

  get rows(): readonly (readonly string[])[] {
    return this.body;
  }

  /** The title, then the columns padded to their widest cell, two spaces apart, under a rule. */
  toText(): string {
    const widths = this.columns.map((c, i) => Math.max(width(c.header), ...this.body.map((r) => width(r[i]!))));
    const line = (cells: string[]) => cells.map((s, i) => pad(s, widths[i]!, this.columns[i]!.align)).join('  ').trimEnd();
    return [
      this.title,
      line(this.columns.map((c) => c.header)),
      widths.map((w) => '-'.repeat(w)).join('  '),
      ...this.body.map(line),
    ].join('\n');
  }

  /** A GitHub markdown table with alignment markers, preceded by the title in bold. */
  toMarkdown(): string {
    const escape = (s: string) => s.replace(/\|/g, '\\|');
    const row = (cells: string[]) => `| ${cells.map(escape).join(' | ')} |`;
    return [
      `**${escape(this.title)}**`,
      '',
      row(this.columns.map((c) => c.header)),
      `|${this.columns.map((c) => (c.align === 'right' ? ' ---: ' : ' :--- ')).join('|')}|`,
      ...this.body.map(row),
    ].join('\n');
  }
}

/**
 * What an experiment prints: tables (and notes) in plain text as they are ready, then all of them
 * again as markdown at the end, ready to paste.
 */
export class Report {
  private readonly parts: (Table | string)[] = [];

  constructor(readonly title: string, private readonly log: (text: string) => void = console.log) {
    this.log(`== ${title} ==`);
  }

  table(t: Table): void {
    this.parts.push(t);
    this.log(`\n${t.toText()}\n`);
  }

  /** A sentence that belongs with the tables (settings, a conclusion measured by the run). */
  note(text: string): void {
    this.parts.push(text);
    this.log(text);
  }

  /** The whole report as markdown: a heading, then every table and note in order. */
  toMarkdown(): string {
    return [`### ${this.title}`, ...this.parts.map((p) => (typeof p === 'string' ? p : p.toMarkdown()))].join('\n\n');
  }

  finish(): void {
    this.log(`\n---- markdown ----\n\n${this.toMarkdown()}\n`);
  }
}
