/**
 * Validation benchmarks. Run: `deno bench -A bench/validation_bench.ts`.
 *
 * - PBO by CSCV for T = 2,500 periods x N = 1,000 trials with S = 16 partitions (12,870
 *   combinations). Target: < 5 s. The first, cold run is timed and printed with its throughput
 *   before Deno.bench's warm iterations.
 * - CPCV split generation for 1,000,000 samples (N = 6, k = 2: 15 splits, 5 paths; and N = 10,
 *   k = 2: 45 splits) with purging and embargo on overlapping labels.
 * - Drift (PSI, KS) on 1,000,000 vs 1,000,000 values.
 */
import { Rng } from "../lib/core/mod.ts";
import { cpcvSplits, ksStatistic, pbo, psi } from "../lib/validation/mod.ts";

const T = 2500, N = 1000, S = 16;
const rng = new Rng(42);
const values = new Float64Array(T * N);
for (let i = 0; i < values.length; i++) values[i] = 0.01 * rng.normal();
const matrix = { values, rows: T, cols: N };

let t0 = performance.now();
const res = pbo(matrix, { partitions: S });
let ms = performance.now() - t0;
console.log(
  `pbo cold: T=${T} N=${N} S=${S}: ${res.combinations} combinations in ${ms.toFixed(0)} ms ` +
    `(${(res.combinations / ms * 1000).toFixed(0)} combinations/s, ${
      (res.combinations * N / ms / 1000).toFixed(1)
    } M trial-evaluations/s); PBO on noise = ${res.pbo.toFixed(3)}; target < 5000 ms`,
);

const M = 1_000_000;
const t0s = new Float64Array(M);
const t1s = new Float64Array(M);
let t = 0;
for (let i = 0; i < M; i++) {
  t += 60_000; // one sample a minute (ms)
  t0s[i] = t;
  t1s[i] = t + 60_000 * (1 + rng.int(0, 30)); // labels span 1-31 minutes
}
const embargo = 60 * 60_000; // one hour
t0 = performance.now();
const cv = cpcvSplits(t0s, t1s, { groups: 6, testGroups: 2, embargo });
ms = performance.now() - t0;
console.log(
  `cpcvSplits cold: ${
    M.toLocaleString("en-US")
  } samples, N=6 k=2: ${cv.splits.length} splits, ${cv.paths.length} paths ` +
    `in ${ms.toFixed(0)} ms (${(M * cv.splits.length / ms / 1000).toFixed(1)} M sample-splits/s; ` +
    `purged+embargoed per split ~${cv.splits[7]!.purged})`,
);

const ref = rng.normals(M);
const cur = rng.normals(M).map((v) => v + 0.05);
t0 = performance.now();
const p = psi(ref, cur);
const d = ksStatistic(ref, cur);
ms = performance.now() - t0;
console.log(
  `psi + ks cold: 1M vs 1M in ${ms.toFixed(0)} ms (PSI ${p.toFixed(4)}, KS ${d.toFixed(4)})`,
);

Deno.bench({
  name: `pbo T=${T} N=${N} S=${S} (12,870 combinations)`,
  n: 3,
  warmup: 1,
  fn: () => {
    pbo(matrix, { partitions: S });
  },
});

Deno.bench({
  name: "cpcvSplits 1M samples N=6 k=2 embargo 1h",
  n: 5,
  warmup: 1,
  fn: () => {
    cpcvSplits(t0s, t1s, { groups: 6, testGroups: 2, embargo });
  },
});

Deno.bench({
  name: "cpcvSplits 1M samples N=10 k=2 embargo 1h (45 splits)",
  n: 3,
  warmup: 1,
  fn: () => {
    cpcvSplits(t0s, t1s, { groups: 10, testGroups: 2, embargo });
  },
});

Deno.bench({
  name: "psi 1M vs 1M (10 quantile bins)",
  n: 5,
  warmup: 1,
  fn: () => {
    psi(ref, cur);
  },
});

Deno.bench({
  name: "ksStatistic 1M vs 1M",
  n: 5,
  warmup: 1,
  fn: () => {
    ksStatistic(ref, cur);
  },
});
