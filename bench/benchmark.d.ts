// The few parts of benchmark.js 2.1 the suites use (the package ships no types).
declare module 'benchmark' {
  interface BenchmarkOptions {
    fn: () => void;
    maxTime?: number;
    minSamples?: number;
  }
  class Benchmark {
    constructor(options: BenchmarkOptions);
    run(): this;
    stats: { sample: number[] };
  }
  export default Benchmark;
}
