/**
 * `deno task train --spec` (subprocess) with a model grid: a misspelled fit option or a value of
 * the wrong type exits 2 with one line naming the path (`model.grid[0].alpah`) before any work
 * (no export folder, nothing on stdout); a valid grid trains (exit 0) with one row per
 * configuration.
 */
import { assert, assertEquals } from "../_assert.ts";
import { join } from "node:path";
import { simSpyTrainData } from "./_sim_spy_train.ts";

const REPO = new URL("../../", import.meta.url).pathname;

const SPEC = {
  name: "spy_ridge_grid_task",
  question: "models-train-grid-task-test",
  data: simSpyTrainData("spy_grid_task"),
  model: { kind: "ridge", grid: [{ alpha: 1 }, { alpha: 100 }] },
  costBps: 0.5,
};

async function train(dir: string, model: Record<string, unknown>) {
  const spec = join(dir, `spec_${crypto.randomUUID()}.json`);
  Deno.writeTextFileSync(spec, JSON.stringify({ ...SPEC, model }));
  const out = join(dir, "export");
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--frozen",
      "tasks/train.ts",
      "--spec",
      spec,
      "--root",
      dir,
      "--out",
      out,
      "--no-register",
    ],
    cwd: REPO,
    env: { TZ: "UTC" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return {
    code: r.code,
    stdout: dec.decode(r.stdout),
    stderr: dec.decode(r.stderr).trim(),
    exported: await Deno.stat(out).then(() => true, () => false),
  };
}

Deno.test("train task: a bad grid option exits 2 with one line and its path, before any work", async () => {
  const dir = await Deno.makeTempDir({ prefix: "train_grid_task_" });
  try {
    const cases: [Record<string, unknown>, string][] = [
      [
        { kind: "ridge", grid: [{ alpah: 1 }] },
        'model.grid[0].alpah: unknown option for ridge (did you mean "alpha"?)',
      ],
      [
        { kind: "ridge", grid: [{ alpha: 1 }, { lamda: 10 }] },
        "model.grid[1].lamda: unknown option for ridge (options: alpha, fitIntercept, standardize)",
      ],
      [
        { kind: "random_forest", grid: [{ nTrees: "100" }] },
        'model.grid[0].nTrees = "100": ',
      ],
      [
        { kind: "random_forest", grid: [{ minSamplesLeaf: -2 }] },
        "model.grid[0].minSamplesLeaf = -2: ",
      ],
    ];
    for (const [model, want] of cases) {
      const r = await train(dir, model);
      assertEquals(r.code, 2, r.stderr);
      assert(r.stderr.includes(want), r.stderr);
      assertEquals(r.stderr.split("\n").length, 1, r.stderr);
      assert(!/\n\s+at /.test(r.stderr), "no stack trace");
      assertEquals(r.stdout, "");
      assertEquals(r.exported, false);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("train task: a valid grid trains, one row per configuration", async () => {
  const dir = await Deno.makeTempDir({ prefix: "train_grid_task_" });
  try {
    const r = await train(dir, SPEC.model);
    assertEquals(r.code, 0, r.stderr);
    assert(r.exported);
    const rows = r.stdout.split("\n").filter((l) => /^\*?\t\{/.test(l));
    assertEquals(rows.map((l) => l.split("\t")[1]), ['{"alpha":1}', '{"alpha":100}']);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
