import { describe, expect, it } from 'vitest';
import { Report, Table } from '../../examples/lib/table.ts';

const sample = () => new Table('Accuracy', ['model', 'shift', { header: 'note', align: 'left' }])
  .add('softmax', '91.3%', 'linear')
  .add('LeNet-5 × 2', 7, 'a | b');

describe('Table', () => {
  it('pads every column to its widest cell: the first and explicit left columns left, the others right', () => {
    expect(sample().toText().split('\n')).toEqual([
      'Accuracy',
      'model        shift  note',
      '-----------  -----  ------',
      'softmax      91.3%  linear',
      'LeNet-5 × 2      7  a | b',
    ]);
  });

  it('measures width in characters, so ×, ±, · and superscripts do not skew the columns', () => {
    const lines = new Table('t', ['a', 'b']).add('3.6·10¹³', '±').add('x', '98.0 ± 0.2%').toText().split('\n');
    expect(lines[3]).toBe('3.6·10¹³            ±');
    expect(lines[4]).toBe('x         98.0 ± 0.2%');
  });

  it('writes GitHub markdown with alignment markers, the title in bold, and | escaped inside cells', () => {
    expect(sample().toMarkdown().split('\n')).toEqual([
      '**Accuracy**',
      '',
      '| model | shift | note |',
      '| :--- | ---: | :--- |',
      '| softmax | 91.3% | linear |',
      '| LeNet-5 × 2 | 7 | a \\| b |',
    ]);
  });

  it('refuses a row with the wrong number of cells, naming the table', () => {
    expect(() => sample().add('only one')).toThrowError(/table "Accuracy": a row has 1 cells for 3 columns/);
    expect(() => new Table('empty', [])).toThrowError(/at least one column/);
  });
});

describe('Report', () => {
  it('prints tables and notes as they come, then everything again as markdown in the same order', () => {
    const printed: string[] = [];
    const report = new Report('Claim', (s) => printed.push(s));
    report.note('Settings: seed 1.');
    report.table(sample());
    report.finish();
    expect(printed[0]).toBe('== Claim ==');
    expect(printed[1]).toBe('Settings: seed 1.');
    expect(printed[2]).toContain(sample().toText());
    const markdown = printed.at(-1)!;
    expect(markdown).toContain(`### Claim\n\nSettings: seed 1.\n\n${sample().toMarkdown()}`);
    expect(report.toMarkdown().startsWith('### Claim')).toBe(true);
  });
});
