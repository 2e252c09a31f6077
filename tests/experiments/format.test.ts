import { describe, expect, it } from 'vitest';
import { count, duration, mean, percent, percentMeanStd, scientific, standardDeviation } from '../../examples/lib/format.ts';
import { integerList } from '../../examples/lib/experiment.ts';

describe('number formatting for the tables', () => {
  it('formats fractions as percentages and seeds as mean ± sample standard deviation', () => {
    expect(percent(0.98456)).toBe('98.46%');
    expect(percent(0.5, 1)).toBe('50.0%');
    expect(mean([1, 2, 6])).toBe(3);
    expect(standardDeviation([1, 2, 6])).toBeCloseTo(Math.sqrt(((1 - 3) ** 2 + (2 - 3) ** 2 + (6 - 3) ** 2) / 2), 12);
    expect(standardDeviation([0.9])).toBe(0);
    expect(percentMeanStd([0.9, 0.92, 0.94])).toBe('92.00 ± 2.00%');
    expect(() => mean([])).toThrowError(/no values/);
  });

  it('writes large counts with separators and in scientific notation with superscript exponents', () => {
    expect(count(36_000_000_000_000)).toBe('36,000,000,000,000');
    expect(scientific(36_000_000_000_000)).toBe('3.6·10¹³');
    expect(scientific(1.44e12)).toBe('1.44·10¹²');
    expect(scientific(9.999e5)).toBe('1·10⁶');
    expect(scientific(2.5e-7)).toBe('2.5·10⁻⁷');
    expect(scientific(779.2)).toBe('779');
    expect(scientific(0)).toBe('0');
  });

  it('writes durations in seconds, or minutes and seconds past a minute', () => {
    expect(duration(12.34)).toBe('12.3 s');
    expect(duration(125.2)).toBe('2 min 05 s');
    expect(duration(119.6)).toBe('2 min 00 s');
  });

  it('reads comma-separated integer options and refuses anything else', () => {
    expect(integerList('depths', '8, 20,32')).toEqual([8, 20, 32]);
    expect(() => integerList('depths', '8,x')).toThrowError(/--depths must be a comma-separated list of integers, got "8,x"/);
    expect(() => integerList('widths', '8,,16')).toThrowError(/--widths/);
  });
});
