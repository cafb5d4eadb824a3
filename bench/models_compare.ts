/**
 * Tree-model benchmark against scikit-learn, in one run on the same data:
 *   deno run -A bench/models_compare.ts            quick sizes (~1 min)
 *   deno run -A bench/models_compare.ts --full     the issue's sizes: boosting on 1,000,000 x 50,
 *                                                  200 trees; forest on 200,000 x 50, 50 trees
 *   ... --gbt-only                                 boosting only (both sides), no forest / ONNX
 *   GBT_ROWS=200000 GBT_TREES=50 ... --gbt-only     override the boosting sizes (for iterating)
 *   GBT_SEED=7 ...                                 another draw of the synthetic data (default 42)
 *   ... --xgb-only [--rounds 3] [--threads 2]      only the XGBoost comparison below
 * Prints fit seconds and rows/s for fitGbt / fitRandomForest (2 threads) next to Debian
 * scikit-learn's HistGradientBoostingRegressor / RandomForestRegressor (n_jobs=2, same
 * hyperparameters) and test R^2 of each, plus ONNX inference rows/s (onnxruntime-node, 1 thread).
 * The data is written once to a temporary file that both sides read; scikit-learn runs in
 * /usr/bin/python3 (skipped with a note when it is missing).
 *
 * XGBoost comparison (Debian python3-xgboost 1.7, `tree_method="hist"`), interleaved rounds on
 * the boosting rows: each round fits the workbench's `fitGbt` then XGBoost in a persistent child
 * process, both with `threads` threads and equal hyperparameters: depth-wise trees of depth 6
 * (workbench: maxDepth 6, maxLeaves 64; XGBoost: max_depth 6), learning rate 0.1, the same
 * number of rounds, at least 20 rows per leaf (XGBoost: min_child_weight 20, the hessian of
 * squared error being 1 per row), L2 penalty lambda 1, 255 value bins (XGBoost max_bin 255:
 * XGBoost's max_bin counts bins, max_bin = k giving at most k - 1 split thresholds per feature,
 * as the workbench's 255 bins give 254; max_bin 256 would give XGBoost one bin more), no
 * subsampling, initial score the mean of y (XGBoost base_score set to it). Each side times
 * binning plus training (XGBoost: DMatrix construction plus xgb.train), wall and CPU (user + sys
 * of the process, all threads); test MSE is compared on the same 50,000 held-out rows (the
 * workbench's must be no worse). Medians over the rounds, with the 1-minute load average.
 * Measured at the issue's size (GBT_ROWS=1000000 GBT_TREES=200 --xgb-only --rounds 1, 2 threads,
 * load average 8): workbench 39.8 s wall / 55.6 s CPU, test MSE 0.11189; XGBoost 1.7.4 hist
 * 54.2 s wall / 55.1 s CPU, test MSE 0.11586 (wall 0.73, CPU 1.01; at load ~10 an earlier run
 * gave CPU 52 s vs 71 s, 0.73, XGBoost's threads costing more CPU under contention).
 *
 * Test MSE at a fixed number of trees is chaotic on this target, which is why the curve line
 * prints it after 1/4, 1/2, 3/4 and all trees. The x1*x2 term has no marginal signal (every split
 * on x1 or x2 alone has zero expected gain), so the tree at which boosting starts to use it rests
 * on near-zero gains, and moving one cut by one row shifts the 100-tree MSE by up to a third.
 * The learners themselves are the same: with at most 255 distinct values per feature (both use
 * every value as a cut) both give the same test MSE to 4 digits over 100 trees, and
 * tests/models/gbt_xgboost_test.ts checks trees against XGBoost node for node. With more
 * distinct values the workbench's edges are XGBoost's cut rule computed exactly, XGBoost's come
 * from its quantile sketch (cut ranks off by ~0.02 bin at 255 bins), and that alone decides which
 * side is ahead at a given size. 1 thread, 100 trees, data seed 42 (rows: workbench vs XGBoost):
 *   100,000: 0.25507 vs 0.20251 (before the cut rule matched XGBoost's: 0.18585, x <= q left)
 *   200,000: 0.16740 vs 0.18369 (before: 0.20446); XGBoost's own max_bin 256: 0.19431
 * Over data seeds 1..6 at 100,000 rows, 100 trees (test MSE, mean): workbench 0.216 (ahead on 3
 * of 6; 0.234 and ahead on none with the former rule), XGBoost 0.208, XGBoost max_bin 256 0.219.
 * The criterion "test error no worse" thus holds at 200,000 and 1,000,000 rows for seed 42 but
 * not at 100,000, and only as a draw, not systematically, at 100 trees on this target.
 */
import { cpuUsage } from "node:process";
import { parseArgs } from "node:util";
import { Rng } from "../lib/core/mod.ts";
import {
  exportOnnx,
  fitGbt,
  fitRandomForest,
  matrixFromData,
  OnnxModel,
  predictEnsemble,
  r2,
  tabularManifest,
  takeRows,
} from "../lib/models/mod.ts";

const USAGE = `usage: deno run -A bench/models_compare.ts [--full] [--gbt-only | --xgb-only]
                                               [--rounds N] [--threads N]
  --full       the issue's sizes (boosting 1,000,000 x 50, 200 trees; forest 200,000 x 50)
  --gbt-only   boosting only (scikit-learn and XGBoost comparisons), no forest / ONNX
  --xgb-only   only the interleaved XGBoost comparison
  --rounds N   interleaved XGBoost rounds (default 3)
  --threads N  threads for both sides of the XGBoost comparison (default 2)
  env GBT_ROWS, GBT_TREES override the boosting sizes; GBT_SEED the data seed (default 42)`;
const { values } = (() => {
  try {
    return parseArgs({
      args: Deno.args,
      options: {
        full: { type: "boolean", default: false },
        "gbt-only": { type: "boolean", default: false },
        "xgb-only": { type: "boolean", default: false },
        rounds: { type: "string", default: "3" },
        threads: { type: "string", default: "2" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    console.error((e as Error).message);
    Deno.exit(2);
  }
})();
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const full = values.full;
const gbtOnly = values["gbt-only"];
const xgbOnly = values["xgb-only"];
const xgbRounds = Number(values.rounds);
const threads = Number(values.threads);
if (!Number.isInteger(xgbRounds) || xgbRounds < 1 || !Number.isInteger(threads) || threads < 1) {
  console.error(`--rounds and --threads must be positive integers`);
  Deno.exit(2);
}
const cfg = full
  ? { gbtRows: 1_000_000, rfRows: 200_000, cols: 50, gbtTrees: 200, rfTrees: 50 }
  : { gbtRows: 100_000, rfRows: 50_000, cols: 50, gbtTrees: 50, rfTrees: 20 };
const envInt = (name: string) => {
  const v = Deno.env.get(name);
  return v ? Number.parseInt(v, 10) : undefined;
};
cfg.gbtRows = envInt("GBT_ROWS") ?? cfg.gbtRows;
cfg.gbtTrees = envInt("GBT_TREES") ?? cfg.gbtTrees;
if (gbtOnly) cfg.rfRows = 0;
const testRows = 50_000;
const rfParams = { minSamplesLeaf: 5, maxFeatures: 0.33 };

function makeData(n: number, cols: number, seed: number) {
  const rng = new Rng(seed);
  const data = new Float64Array(n * cols);
  for (let k = 0; k < data.length; k++) data[k] = rng.normal();
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = (j: number) => data[j * n + i]!;
    y[i] = Math.sin(2 * c(0)) + c(1) * c(2) + 0.5 * (c(3) > 0.3 ? 1 : 0) + 0.2 * c(4) ** 2 +
      0.1 * c(5) + 0.3 * rng.normal();
  }
  return { x: matrixFromData(data, n, Array.from({ length: cols }, (_, j) => `f${j}`)), y };
}

const total = Math.max(cfg.gbtRows, cfg.rfRows) + testRows;
const t0 = performance.now();
const dataSeed = envInt("GBT_SEED") ?? 42;
if (!Number.isInteger(dataSeed)) {
  console.error(`GBT_SEED must be an integer`);
  Deno.exit(2);
}
const all = makeData(total, cfg.cols, dataSeed);
console.log(
  `data ${total} x ${cfg.cols} generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
const idx = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, k) => a + k);
const test = takeRows(all.x, idx(total - testRows, total));
const yTest = all.y.subarray(total - testRows);
const gbtX = takeRows(all.x, idx(0, cfg.gbtRows));
const rfX = takeRows(all.x, idx(0, cfg.rfRows));

// shared file for python: row-major float64 X (all rows) then y
const dataPath = await Deno.makeTempFile({ prefix: "models_bench_", suffix: ".f64" });
{
  const rowMajor = new Float64Array(total * (cfg.cols + 1));
  for (let j = 0; j < cfg.cols; j++) {
    for (let i = 0; i < total; i++) rowMajor[i * (cfg.cols + 1) + j] = all.x.data[j * total + i]!;
  }
  for (let i = 0; i < total; i++) rowMajor[i * (cfg.cols + 1) + cfg.cols] = all.y[i]!;
  await Deno.writeFile(dataPath, new Uint8Array(rowMajor.buffer));
}

const results: string[] = [];
/** One result line: wall seconds, rows/s, CPU seconds (user + sys, all threads), test R^2. */
const line = (what: string, secs: number, cpuSecs: number, rows: number, score: number) =>
  results.push(
    `${what.padEnd(44)} ${secs.toFixed(2).padStart(8)} s ${
      (rows / secs).toFixed(0).padStart(10)
    } rows/s  cpu ${cpuSecs.toFixed(2).padStart(7)} s  test R^2 ${score.toFixed(4)}`,
  );
const cpuSince = (c: ReturnType<typeof cpuUsage>) => {
  const d = cpuUsage(c);
  return (d.user + d.system) / 1e6;
};

if (!xgbOnly) {
  let t = performance.now();
  let c = cpuUsage();
  const gbt = await fitGbt(gbtX, all.y.subarray(0, cfg.gbtRows), {
    nTrees: cfg.gbtTrees,
    learningRate: 0.1,
    maxLeaves: 31,
    minSamplesLeaf: 20,
    threads: 2,
  });
  let secs = (performance.now() - t) / 1000;
  line(
    `workbench fitGbt ${cfg.gbtRows}x${cfg.cols}, ${cfg.gbtTrees} trees`,
    secs,
    cpuSince(c),
    cfg.gbtRows,
    r2(yTest, predictEnsemble(gbt, test)),
  );

  if (!gbtOnly) {
    t = performance.now();
    c = cpuUsage();
    const rf = await fitRandomForest(rfX, all.y.subarray(0, cfg.rfRows), {
      nTrees: cfg.rfTrees,
      ...rfParams,
      threads: 2,
    });
    secs = (performance.now() - t) / 1000;
    line(
      `workbench fitRandomForest ${cfg.rfRows}x${cfg.cols}, ${cfg.rfTrees} trees`,
      secs,
      cpuSince(c),
      cfg.rfRows,
      r2(yTest, predictEnsemble(rf, test)),
    );

    for (const [name, model] of [["gbt", gbt], ["random forest", rf]] as const) {
      const onnx = await OnnxModel.load(exportOnnx(model), tabularManifest(test.names));
      await onnx.predict(takeRows(test, idx(0, 1000)));
      t = performance.now();
      await onnx.predict(test, { batchSize: 10_000 });
      secs = (performance.now() - t) / 1000;
      results.push(
        `onnxruntime ${name} inference (${model.trees.length} trees)`.padEnd(44) +
          ` ${secs.toFixed(2).padStart(8)} s ${(testRows / secs).toFixed(0).padStart(10)} rows/s`,
      );
      t = performance.now();
      predictEnsemble(model, test);
      secs = (performance.now() - t) / 1000;
      results.push(
        `TypeScript ${name} predict`.padEnd(44) +
          ` ${secs.toFixed(2).padStart(8)} s ${(testRows / secs).toFixed(0).padStart(10)} rows/s`,
      );
      await onnx.release();
    }
  }

  const py = `
import resource, sys, time, numpy as np
try:
    from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
    from sklearn.metrics import r2_score
except ImportError as e:
    print(f"scikit-learn comparison skipped: {e}"); sys.exit(0)
path, total, cols, gr, rr, gt, rt, test = sys.argv[1], *map(int, sys.argv[2:9])
a = np.fromfile(path, dtype=np.float64).reshape(total, cols + 1)
X, y = a[:, :cols], a[:, cols]
Xt, yt = X[total - test:], y[total - test:]
def cpu():
    r, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime
t, c = time.perf_counter(), cpu()
m = HistGradientBoostingRegressor(max_iter=gt, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=20, early_stopping=False, random_state=0).fit(X[:gr], y[:gr])
s, cs = time.perf_counter() - t, cpu() - c
print(f"{'sklearn HistGradientBoostingRegressor ' + str(gr) + 'x' + str(cols) + ', ' + str(gt) + ' it':<44} {s:8.2f} s {gr / s:10.0f} rows/s  cpu {cs:7.2f} s  test R^2 {r2_score(yt, m.predict(Xt)):.4f}")
if rr > 0:
    t, c = time.perf_counter(), cpu()
    m = RandomForestRegressor(n_estimators=rt, min_samples_leaf=5, max_features=0.33, n_jobs=2, random_state=0).fit(X[:rr], y[:rr])
    s, cs = time.perf_counter() - t, cpu() - c
    print(f"{'sklearn RandomForestRegressor ' + str(rr) + 'x' + str(cols) + ', ' + str(rt) + ' trees':<44} {s:8.2f} s {rr / s:10.0f} rows/s  cpu {cs:7.2f} s  test R^2 {r2_score(yt, m.predict(Xt)):.4f}")
`;
  try {
    const out = await new Deno.Command("/usr/bin/python3", {
      args: [
        "-c",
        py,
        dataPath,
        ...[total, cfg.cols, cfg.gbtRows, cfg.rfRows, cfg.gbtTrees, cfg.rfTrees, testRows].map(
          String,
        ),
      ],
      env: { OMP_NUM_THREADS: "2" },
    }).output();
    const text = new TextDecoder().decode(out.stdout).trim();
    if (text) results.push(...text.split("\n"));
    if (!out.success) {
      results.push(`scikit-learn run failed: ${new TextDecoder().decode(out.stderr).slice(-500)}`);
    }
  } catch (e) {
    results.push(`scikit-learn comparison skipped: ${(e as Error).message}`);
  }
}
console.log(results.join("\n"));
await compareXgboost();
await Deno.remove(dataPath);

/** Interleaved fitGbt vs XGBoost hist rounds (see the module doc). */
async function compareXgboost(): Promise<void> {
  const depth = 6, lambda = 1, minLeaf = 20, lr = 0.1;
  const yTrain = all.y.subarray(0, cfg.gbtRows);
  // test MSE after a quarter, half, three quarters and all of the trees (first round)
  const checkpoints = [
    ...new Set([0.25, 0.5, 0.75, 1].map((f) => Math.max(1, Math.round(f * cfg.gbtTrees)))),
  ];
  const curves = { ours: [] as number[], peer: [] as number[] };
  let mean = 0;
  for (let i = 0; i < cfg.gbtRows; i++) mean += yTrain[i]!;
  mean /= cfg.gbtRows;
  const PY = `
import resource, sys, time
try:
    import numpy as np, xgboost as xgb
except ImportError as e:
    print("SKIP " + str(e), flush=True); sys.exit(0)
path, total, cols, rows, trees, test, threads = sys.argv[1], *map(int, sys.argv[2:8])
depth, lam, mcw, lr, base = int(sys.argv[8]), float(sys.argv[9]), float(sys.argv[10]), float(sys.argv[11]), float(sys.argv[12])
checkpoints = [int(k) for k in sys.argv[13].split(",")]
a = np.fromfile(path, dtype=np.float64).reshape(total, cols + 1)
X, y = np.ascontiguousarray(a[:rows, :cols]), np.ascontiguousarray(a[:rows, cols])
Xt, yt = a[total - test:, :cols], a[total - test:, cols]
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
print("READY xgboost " + xgb.__version__, flush=True)
for line in sys.stdin:
    if line.strip() == "quit": break
    t, c = time.perf_counter(), cpu()
    d = xgb.DMatrix(X, label=y, nthread=threads)
    b = xgb.train({"tree_method": "hist", "max_depth": depth, "eta": lr, "min_child_weight": mcw,
                   "lambda": lam, "alpha": 0, "gamma": 0, "max_bin": 255, "subsample": 1,
                   "colsample_bytree": 1, "nthread": threads, "base_score": base,
                   "objective": "reg:squarederror"}, d, num_boost_round=trees)
    s, cs = time.perf_counter() - t, cpu() - c
    dt = xgb.DMatrix(Xt, nthread=threads)
    p = b.predict(dt)
    curve = [float(np.mean((b.predict(dt, iteration_range=(0, k)) - yt) ** 2)) for k in checkpoints]
    print(" ".join(map(str, [s, cs, float(np.mean((p - yt) ** 2)), *curve])), flush=True)
`;
  let proc: Deno.ChildProcess | undefined;
  let lines: AsyncIterator<string> | undefined;
  let writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  let note = "";
  try {
    proc = new Deno.Command("/usr/bin/python3", {
      args: [
        "-c",
        PY,
        dataPath,
        ...[total, cfg.cols, cfg.gbtRows, cfg.gbtTrees, testRows, threads, depth, lambda, minLeaf]
          .map(String),
        String(lr),
        String(mean),
        checkpoints.join(","),
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
      env: { OMP_NUM_THREADS: String(threads) },
    }).spawn();
    let buf = "";
    lines = proc.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(
      new TransformStream<string, string>({
        transform(chunk, ctl) {
          buf += chunk;
          let k;
          while ((k = buf.indexOf("\n")) >= 0) {
            ctl.enqueue(buf.slice(0, k));
            buf = buf.slice(k + 1);
          }
        },
      }),
    )[Symbol.asyncIterator]();
    writer = proc.stdin.getWriter();
    const hello = await lines.next();
    if (hello.done || !hello.value.startsWith("READY")) {
      note = `XGBoost skipped: ${hello.done ? "python child ended" : hello.value}`;
    } else note = hello.value.slice(6);
  } catch (e) {
    note = `XGBoost skipped: ${(e as Error).message}`;
  }
  const ours = { wall: [] as number[], cpu: [] as number[], mse: [] as number[] };
  const peer = { wall: [] as number[], cpu: [] as number[], mse: [] as number[] };
  const loads: number[] = [];
  const skipped = note.startsWith("XGBoost skipped");
  for (let r = 0; r < xgbRounds; r++) {
    loads.push(Deno.loadavg()[0]!);
    const t0 = performance.now();
    const c0 = cpuUsage();
    const m = await fitGbt(gbtX, yTrain, {
      nTrees: cfg.gbtTrees,
      learningRate: lr,
      maxDepth: depth,
      maxLeaves: 2 ** depth,
      minSamplesLeaf: minLeaf,
      l2: lambda,
      maxBins: 255,
      threads,
    });
    ours.wall.push((performance.now() - t0) / 1000);
    ours.cpu.push(cpuSince(c0));
    const pred = predictEnsemble(m, test);
    let se = 0;
    for (let i = 0; i < testRows; i++) se += (pred[i]! - yTest[i]!) ** 2;
    ours.mse.push(se / testRows);
    if (r === 0) {
      for (const k of checkpoints) {
        const pk = predictEnsemble({ ...m, trees: m.trees.slice(0, k), nTrees: k }, test);
        let sk = 0;
        for (let i = 0; i < testRows; i++) sk += (pk[i]! - yTest[i]!) ** 2;
        curves.ours.push(sk / testRows);
      }
    }
    if (!skipped && writer && lines) {
      await writer.write(new TextEncoder().encode("go\n"));
      const out = await lines.next();
      if (out.done) throw new Error("XGBoost child ended early");
      const [w, cs, mse, ...curve] = out.value.split(" ").map(Number);
      if (r === 0) curves.peer = curve;
      peer.wall.push(w!);
      peer.cpu.push(cs!);
      peer.mse.push(mse!);
    }
  }
  if (writer) {
    await writer.write(new TextEncoder().encode("quit\n")).catch(() => {});
    await writer.close().catch(() => {});
  }
  await proc?.status;
  const med = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const k = s.length >> 1;
    return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
  };
  const show = (who: string, v: typeof ours) =>
    console.log(
      `${who.padEnd(26)} ${med(v.wall).toFixed(2).padStart(7)} s wall ${
        med(v.cpu).toFixed(2).padStart(7)
      } s CPU  test MSE ${med(v.mse).toFixed(5)}  (rounds wall: ${
        v.wall.map((x) => x.toFixed(2)).join(" ")
      }; MSE ${v.mse.map((x) => x.toFixed(5)).join(" ")})`,
    );
  console.log(
    `\nboosting vs XGBoost hist: ${cfg.gbtRows} x ${cfg.cols}, ${cfg.gbtTrees} trees of depth ${depth}, lr ${lr}, min ${minLeaf} per leaf, lambda ${lambda}, ${threads} threads; median of ${xgbRounds} interleaved rounds; load average ${
      loads.map((v) => v.toFixed(1)).join(" ")
    }`,
  );
  show("workbench fitGbt", ours);
  if (skipped) {
    console.log(note);
    return;
  }
  show(`XGBoost ${note} hist`, peer);
  const ratio = med(ours.wall) / med(peer.wall);
  const cpuRatio = med(ours.cpu) / med(peer.cpu);
  console.log(
    `workbench / XGBoost: wall ${ratio.toFixed(2)}, CPU ${
      cpuRatio.toFixed(2)
    } (below 1 = faster); test MSE ${med(ours.mse) <= med(peer.mse) ? "no worse" : "WORSE"} (${
      med(ours.mse).toFixed(5)
    } vs ${med(peer.mse).toFixed(5)})`,
  );
  console.log(
    `test MSE by trees (workbench vs XGBoost): ${
      checkpoints.map((k, q) =>
        `${k}: ${curves.ours[q]!.toFixed(5)} vs ${curves.peer[q]!.toFixed(5)}`
      ).join(", ")
    }`,
  );
}
