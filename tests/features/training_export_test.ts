import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertRejects,
  assertThrows,
} from "../_assert.ts";
import pl from "nodejs-polars";
import { Rng } from "../../lib/core/mod.ts";
import {
  buildDailyFeaturePanel,
  encodeNpyFloat32,
  exportTrainingSet,
  resolvedLabelSpec,
  type SymbolDailyBars,
  trainingManifest,
  writeTrainingManifest,
} from "../../lib/features/mod.ts";
import { panelLabels } from "../../lib/labels/mod.ts";
import { sessionBounds, tradingDays } from "../../lib/time/mod.ts";

const TOL = 1e-9;

function syntheticBars(): SymbolDailyBars[] {
  const dates = tradingDays("2022-01-03", "2023-06-30");
  const rng = new Rng(5);
  return ["AAA", "BBB", "CCC"].map((symbol, s) => {
    // CCC lists half-way through (survivorship-free panels have gaps)
    const ds = s === 2 ? dates.slice(150) : dates;
    const n = ds.length;
    const open = new Float64Array(n), high = new Float64Array(n), low = new Float64Array(n);
    const close = new Float64Array(n), volume = new Float64Array(n);
    let p = 50 + 10 * s;
    for (let i = 0; i < n; i++) {
      open[i] = p * Math.exp(0.002 * rng.normal());
      p = open[i]! * Math.exp(0.015 * rng.normal());
      close[i] = p;
      high[i] = Math.max(open[i]!, p) * 1.004;
      low[i] = Math.min(open[i]!, p) * 0.996;
      volume[i] = 1e5 * (1 + rng.uniform());
    }
    return { symbol, dates: ds, open, high, low, close, volume };
  });
}

const bars = syntheticBars();
const FEATURES = ["rsi_14", "roc_5", "vol_yz_20", "reversal_21"];
const panel = buildDailyFeaturePanel(bars, { features: FEATURES });
const spec = {
  name: "t",
  features: FEATURES,
  label: { kind: "forward_return" as const, horizon: 5 },
  trainEnd: "2022-10-03",
  cpcv: { groups: 5, testGroups: 2, embargoDays: 1 },
  sequence: { lookback: 10, patchLength: 4, stride: 2 },
};

function decodeNpy(bytes: Uint8Array): { shape: number[]; data: Float32Array } {
  const hlen = new DataView(bytes.buffer, bytes.byteOffset).getUint16(8, true);
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + hlen));
  assert(header.includes("'descr': '<f4'") && header.endsWith("\n"));
  assertEquals((10 + hlen) % 64, 0);
  const shape = /\(([^)]*)\)/.exec(header)![1]!.split(",").map((x) => x.trim()).filter(Boolean).map(
    Number,
  );
  const body = bytes.slice(10 + hlen);
  return { shape, data: new Float32Array(body.buffer) };
}

Deno.test("export: files, manifest, train-only normalisation, label end times, CPCV purging, windows", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const labels = panelLabels(panel, spec.label);
    const m = await exportTrainingSet({ panel, labels }, spec, {
      outDir: dir,
      inputs: [{ name: "test", sha256: "00" }],
    });
    const rows = pl.readParquet(`${dir}/rows.parquet`);
    assertEquals(rows.height, m.rows);
    const date = rows.getColumn("date").toArray() as string[];
    const train = date.map((d) => d < spec.trainEnd);
    // normalised features: mean 0 and sd 1 over the training rows only
    for (const f of FEATURES) {
      const x = rows.getColumn(f).toArray() as number[];
      const xt = x.filter((_, i) => train[i]);
      const mu = xt.reduce((a, b) => a + b, 0) / xt.length;
      const sd = Math.sqrt(xt.reduce((a, b) => a + (b - mu) ** 2, 0) / (xt.length - 1));
      assertAlmostEquals(mu, 0, TOL);
      assertAlmostEquals(sd, 1, TOL);
    }
    assertEquals(m.normalisation.train_rows, train.filter(Boolean).length);
    // label end = close of the session 5 symbol-bars later, after the decision time
    const t0 = rows.getColumn("t0_ms").toArray() as number[];
    const t1 = rows.getColumn("t1_ms").toArray() as number[];
    const sym = rows.getColumn("symbol").toArray() as string[];
    const i0 = sym.indexOf("AAA");
    const d0 = date[i0]!;
    const aaaDates = bars[0]!.dates;
    assertEquals(t1[i0], sessionBounds(aaaDates[aaaDates.indexOf(d0) + 5]!)!.close.getTime());
    t0.forEach((a, i) => assert(t1[i]! > a && (i === 0 || a >= t0[i - 1]!)));
    // CPCV: C(5, 2) = 10 splits; no training label overlaps a test label's span (purging)
    assertEquals(m.cpcv!.splits.length, 10);
    for (let k = 0; k < 10; k++) {
      const sp = rows.getColumn(`split_${k}`).toArray() as number[];
      const testSpans = sp.map((v, i) => (v === 2 ? [t0[i]!, t1[i]!] : null)).filter((x) =>
        x !== null
      ) as number[][];
      sp.forEach((v, i) => {
        if (v !== 1) return;
        for (const [a, b] of testSpans) {
          assert(t1[i]! < a! || t0[i]! > b!, `split ${k} row ${i} overlaps a test label`);
        }
      });
      assertEquals(sp.filter((v) => v === 2).length, m.cpcv!.splits[k]!.test);
    }
    // weights: uniqueness in (0, 1]
    (rows.getColumn("weight").toArray() as number[]).forEach((w) => assert(w > 0 && w <= 1));
    // windows: [samples, lookback, channels]; the last step of each window is its row's features
    const npy = decodeNpy(await Deno.readFile(`${dir}/windows.npy`));
    assertEquals(npy.shape, m.sequence!.shape);
    const [S, L, C] = npy.shape as [number, number, number];
    assertEquals([L, C], [10, 4]);
    assertEquals(m.sequence!.patches, Math.floor((10 - 4) / 2) + 1);
    const idx = pl.readParquet(`${dir}/windows_index.parquet`);
    assertEquals(idx.height, S);
    const rowOf = idx.getColumn("row").toArray() as number[];
    for (const w of [0, Math.floor(S / 2), S - 1]) {
      for (let c = 0; c < C; c++) {
        const x = rows.getColumn(FEATURES[c]!).toArray() as number[];
        assertAlmostEquals(npy.data[(w * L + L - 1) * C + c]!, x[rowOf[w]!]!, 1e-5);
      }
    }
    // hashes of the files written
    for (const [file, hash] of Object.entries(m.files)) {
      const d = await crypto.subtle.digest("SHA-256", await Deno.readFile(`${dir}/${file}`));
      assertEquals(
        Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join(""),
        hash,
      );
    }
    const onDisk = JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`));
    assertEquals(onDisk.features.map((f: { name: string }) => f.name), FEATURES);
    assertEquals(onDisk.label.end_time_column, "t1_ms");
    const readme = await Deno.readTextFile(`${dir}/README.md`);
    assert(readme.includes("windows.npy") && readme.includes("split_"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("normalisation ignores test-period values (fitted on training rows only)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const labels = panelLabels(panel, spec.label);
    const a = await exportTrainingSet({ panel, labels }, spec, { outDir: dir });
    const bumped = { ...panel, features: { ...panel.features } };
    const x = Float64Array.from(panel.features.rsi_14!);
    panel.dates.forEach((d, t) => {
      if (d >= spec.trainEnd) { for (let s = 0; s < 3; s++) x[t * 3 + s] = x[t * 3 + s]! * 3; }
    });
    bumped.features.rsi_14 = x;
    const b = await exportTrainingSet({ panel: bumped, labels }, spec, { outDir: dir });
    assertEquals(b.features[0]!.mean, a.features[0]!.mean);
    assertEquals(b.features[0]!.std, a.features[0]!.std);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("export errors and npy encoding", async () => {
  const labels = panelLabels(panel, spec.label);
  await assertRejects(
    () =>
      exportTrainingSet({ panel, labels }, { ...spec, features: ["nope"] }, { outDir: "/tmp/x" }),
    RangeError,
    "nope",
  );
  await assertRejects(
    () =>
      exportTrainingSet({ panel, labels }, { ...spec, trainEnd: "1999-01-01" }, {
        outDir: "/tmp/x",
      }),
    RangeError,
    "training rows",
  );
  assertThrows(() => encodeNpyFloat32(new Float32Array(5), [2, 3]), RangeError, "holds 6");
  const one = decodeNpy(encodeNpyFloat32(Float32Array.of(1.5, -2), [2]));
  assertEquals(one.shape, [2]);
  assertEquals(Array.from(one.data), [1.5, -2]);
  assertThrows(
    () => buildDailyFeaturePanel(bars, { features: ["bogus"] }),
    RangeError,
    "Unknown daily feature",
  );
});

Deno.test("daily panel: per-symbol features on the grid, NaN before a listing; panel labels", () => {
  const nS = 3;
  const t150 = 150;
  assert(Number.isNaN(panel.close[(t150 - 1) * nS + 2]!));
  assert(Number.isFinite(panel.close[t150 * nS + 2]!));
  // roc_5 of AAA equals close_t / close_{t-5} - 1
  const t = 40;
  assertAlmostEquals(
    panel.features.roc_5![t * nS]!,
    bars[0]!.close[t]! / bars[0]!.close[t - 5]! - 1,
    1e-12,
  );
  const y = panelLabels(panel, { kind: "overnight" });
  assertAlmostEquals(y.label[t * nS]!, Math.log(bars[0]!.open[t + 1]! / bars[0]!.close[t]!), 1e-12);
  assertEquals(y.t1Ms[t * nS], sessionBounds(bars[0]!.dates[t + 1]!)!.open.getTime());
  const tb = panelLabels(panel, { kind: "triple_barrier", maxHolding: 5 });
  assertEquals(tb.horizon, 5);
  tb.label.forEach((v) => assert(Number.isNaN(v) || v === 1 || v === -1 || v === 0));
});

Deno.test("trainingManifest + writeTrainingManifest: one builder, the manifest.json bytes of both exports", async () => {
  const dir = await Deno.makeTempDir({ prefix: "manifest_builder_" });
  try {
    const spec = {
      name: "m",
      features: ["roc_5"],
      label: { kind: "overnight" as const },
      trainEnd: "2024-01-31",
      frequency: "1d" as const,
    };
    const m = trainingManifest(spec, {
      rows: 3,
      droppedIncomplete: 1,
      droppedMissingSessions: 1,
      missingSessions: { clock: "sessions", count: 1, examples: ["X@2024-01-15"] },
      rowsMissing: { roc_5: 1, label: 0 },
      features: [{
        name: "roc_5",
        dtype: "float64",
        mean: 0.5,
        std: 2,
        raw_std: 2,
        constant: false,
        per_date: "none",
        exported_mean: 0,
        exported_std: 1,
      }],
      trainRows: 2,
      horizonSessions: 1,
      cpcv: null,
      sequence: null,
      files: { "rows.parquet": "ab" },
      inputs: [{ name: "x", sha256: "cd" }],
      createdAt: new Date(Date.UTC(2024, 1, 1)),
    });
    await writeTrainingManifest(dir, m);
    // the field order and values of the manifest both exports write (missing sessions added)
    const expected = `{
  "name": "m",
  "created_at": "2024-02-01T00:00:00.000Z",
  "spec": {
    "name": "m",
    "features": [
      "roc_5"
    ],
    "label": {
      "kind": "overnight"
    },
    "trainEnd": "2024-01-31",
    "frequency": "1d"
  },
  "rows": 3,
  "rows_dropped_incomplete": 1,
  "rows_dropped_missing_sessions": 1,
  "missing_sessions": {
    "clock": "sessions",
    "count": 1,
    "examples": [
      "X@2024-01-15"
    ]
  },
  "rows_missing": {
    "roc_5": 1,
    "label": 0
  },
  "features": [
    {
      "name": "roc_5",
      "dtype": "float64",
      "mean": 0.5,
      "std": 2,
      "raw_std": 2,
      "constant": false,
      "per_date": "none",
      "exported_mean": 0,
      "exported_std": 1
    }
  ],
  "warnings": [],
  "normalisation": {
    "method": "zscore",
    "fitted_on": "train",
    "train_rows": 2,
    "train_end": "2024-01-31"
  },
  "label": {
    "column": "label",
    "dtype": "float64",
    "end_time_column": "t1_ms",
    "horizon_sessions": 1,
    "definition": {
      "kind": "overnight"
    }
  },
  "cpcv": null,
  "sequence": null,
  "files": {
    "rows.parquet": "ab"
  },
  "inputs": [
    {
      "name": "x",
      "sha256": "cd"
    }
  ]
}
`;
    assertEquals(await Deno.readTextFile(`${dir}/manifest.json`), expected);
    assert((await Deno.readTextFile(`${dir}/README.md`)).includes("manifest.json"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resolvedLabelSpec: every default of panelLabels is written out", () => {
  assertEquals(resolvedLabelSpec({ kind: "forward_return" }), {
    kind: "forward_return",
    horizon: 1,
    type: "log",
  });
  assertEquals(resolvedLabelSpec({ kind: "forward_return", horizon: 5, type: "simple" }), {
    kind: "forward_return",
    horizon: 5,
    type: "simple",
  });
  assertEquals(resolvedLabelSpec({ kind: "overnight" }), { kind: "overnight" });
  assertEquals(resolvedLabelSpec({ kind: "triple_barrier", upper: 2 }), {
    kind: "triple_barrier",
    maxHolding: 10,
    upper: 2,
    lower: 1,
    volSpan: 20,
  });
});
