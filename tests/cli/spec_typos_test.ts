/**
 * The tasks that read a spec refuse a typo with exit 2 and ONE line on stderr naming the field
 * with its path and the field probably meant (the trial's exp_typo.json, mom_typo.json, and a
 * top-level `cost`), before reading any data: the lake given is empty.
 */
import { assert, assertEquals } from "../_assert.ts";

const ROOT = new URL("../../", import.meta.url);

async function runTaskFile(task: string, args: string[], lake: string) {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", `tasks/${task}.ts`, ...args],
    cwd: ROOT,
    env: { WORKBENCH_DATA: lake, TZ: "UTC" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: o.code,
    out: new TextDecoder().decode(o.stdout),
    err: new TextDecoder().decode(o.stderr).trim(),
  };
}

async function specFile(dir: string, name: string, spec: unknown): Promise<string> {
  const p = `${dir}/${name}`;
  await Deno.writeTextFile(p, JSON.stringify(spec));
  return p;
}

const MOMENTUM = {
  question: "eu-momentum-typo",
  strategy: "momentum",
  grid: { lookback: [63], skip: [5], quantile: [0.25], rebalanceEvery: [21] },
  data: { source: "lake", dataset: "user/eu_indices" },
  costs: { model: "spread_only", halfSpreadBps: 2 },
};

const EXPORT = {
  name: "eu_roc",
  data: { source: "lake", dataset: "user/eu_indices" },
  features: ["roc_5", "roc_20", "rsi_14"],
  label: { kind: "forward_return", horizn: 20 },
  trainEnd: "1996-01-01",
  cpcv: { groups: 6, testGroups: 2, embargoDays: 5 },
};

Deno.test("spec typos: exit 2, one line with the path and a suggestion (backtest, export-training, train)", async () => {
  const dir = await Deno.makeTempDir();
  const lake = `${dir}/lake`;
  const cases: [string, string[], string][] = [
    [
      "backtest",
      [
        "--memory-ledger",
        "--spec",
        await specFile(dir, "mom_typo.json", {
          ...MOMENTUM,
          data: { ...MOMENTUM.data, symbol: ["DAX", "CAC"], strat: "1995-01-01" },
        }),
      ],
      'data.symbol: unknown field (did you mean "symbols"?); data.strat: unknown field (did you mean "start"?)',
    ],
    [
      "backtest",
      [
        "--memory-ledger",
        "--spec",
        await specFile(dir, "cost.json", {
          ...MOMENTUM,
          costs: undefined,
          cost: { model: "spread_only" },
        }),
      ],
      'cost: unknown field (did you mean "costs"?)',
    ],
    [
      "export_training",
      ["--out", `${dir}/out`, "--spec", await specFile(dir, "exp_typo.json", EXPORT)],
      'label.horizn: unknown field (did you mean "horizon"?)',
    ],
    [
      "train",
      [
        "--root",
        lake,
        "--spec",
        await specFile(dir, "train_typo.json", {
          name: "eu_ridge",
          question: "eu-ridge",
          data: { ...EXPORT, data: undefined, source: EXPORT.data },
          model: { kind: "ridge", grid: [{ alpha: 1 }] },
        }),
      ],
      'data.label.horizn: unknown field (did you mean "horizon"?)',
    ],
  ];
  for (const [task, args, want] of cases) {
    const r = await runTaskFile(task, args, lake);
    assertEquals(r.code, 2, `${task}: ${r.err}`);
    assertEquals(r.err.split("\n").length, 1, r.err);
    assert(r.err.includes(want), `${task}: ${r.err}`);
    assert(!r.err.includes("    at "), r.err);
  }
  // nothing was read or written
  let made = true;
  try {
    Deno.statSync(`${dir}/out`);
  } catch {
    made = false;
  }
  assert(!made, "no export folder for a refused spec");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("export-training --help: the example spec exists and the features are listed", async () => {
  const r = await runTaskFile("export_training", ["--help"], "/nonexistent");
  assertEquals(r.code, 0);
  const m = /--spec (\S+\.json)/.exec(r.out.replace(/\s+/g, " "));
  assert(m, r.out);
  Deno.statSync(new URL(m[1]!, ROOT)); // throws when the file named does not exist
  for (const f of ["roc_5", "rsi_14", "vol_63", "bb_pctb"]) assert(r.out.includes(f), f);
});
