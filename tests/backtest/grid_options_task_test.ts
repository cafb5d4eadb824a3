/**
 * `deno task backtest --spec` (subprocess) with a misspelled or ill-typed strategy option in
 * `grid`: exit 2 with one line naming `grid.<key>` and the option meant (or the strategy's
 * options when none is close), for a built-in strategy and for a user's module, before the data
 * is read (a spec naming a dataset that does not exist fails on the grid, not on the dataset).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { validateGrid } from "../../lib/backtest/strategy_module.ts";
import { z } from "zod";

const REPO = new URL("../../", import.meta.url).pathname;

async function backtest(spec: string, lake: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", "tasks/backtest.ts", "--spec", spec, "--memory-ledger"],
    cwd: REPO,
    env: { TZ: "UTC", WORKBENCH_DATA: lake },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr).trim() };
}

/** A user's module: a non-strict zod object (its keys are still the only options). */
const USER_MODULE = `import { z } from "zod";
import type { Strategy, StrategyInput } from "${REPO}lib/backtest/mod.ts";
export const params = z.object({
  lookback: z.number().int().min(2).default(50),
  threshold: z.number().default(0),
});
export function createStrategy(_input: StrategyInput, _p: z.infer<typeof params>): Strategy {
  return { onBar() {} };
}
`;

Deno.test("backtest task: a misspelled or ill-typed grid option exits 2 with one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "grid_options_" });
  try {
    Deno.writeTextFileSync(join(dir, "my_trend.ts"), USER_MODULE);
    const lake = join(dir, "lake");
    await Deno.mkdir(lake);
    const nowhere = { source: "lake", dataset: "user/no_such_dataset" };
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { strategy: "momentum", grid: { lookbak: [20] }, data: { source: "synthetic" } },
        /: grid\.lookbak: unknown option for momentum \(did you mean "lookback"\?\) \(see --help\)$/,
      ],
      [
        { strategy: "ma_cross", grid: { fast: [5], slwo: [50] }, data: nowhere },
        /: grid\.slwo: unknown option for ma_cross \(did you mean "slow"\?\) \(see --help\)$/,
      ],
      [
        { strategy: "buy_and_hold", grid: { zzz: [1] }, data: nowhere },
        /: grid\.zzz: unknown option for buy_and_hold \(options: weight\) \(see --help\)$/,
      ],
      [
        { strategy: "momentum", grid: { lookback: ["20"] }, data: nowhere },
        /: grid\.lookback = "20" \(configuration .*expected number/,
      ],
      [
        { strategy: "momentum", grid: { rebalanceEvery: [-1] }, data: nowhere },
        /: grid\.rebalanceEvery = -1 /,
      ],
      [
        { strategy: "my_trend.ts", grid: { lookbak: [5] }, data: nowhere },
        /: grid\.lookbak: unknown option for my_trend\.ts \(did you mean "lookback"\?\) \(see --help\)$/,
      ],
      [
        { strategy: "my_trend.ts", grid: { threshold: [true] }, data: nowhere },
        /: grid\.threshold = true /,
      ],
    ];
    for (const [i, [body, want]] of cases.entries()) {
      const spec = join(dir, `spec_${i}.json`);
      Deno.writeTextFileSync(spec, JSON.stringify({ question: "q", ...body }));
      const r = await backtest(spec, lake);
      assert.equal(r.code, 2, `${i}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stderr.split("\n").length, 1, r.stderr);
      assert.match(r.stderr, want);
      assert.doesNotMatch(r.stderr, /no_such_dataset/); // refused before the data is looked up
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("validateGrid: valid configurations pass with defaults filled in", () => {
  const mod = {
    params: z.strictObject({ lookback: z.number().int().min(2).default(50), on: z.boolean() }),
    createStrategy: () => ({ onBar() {} }),
  };
  assert.deepEqual(validateGrid("m", mod, [{ on: true }, { lookback: 3, on: false }]), [
    { lookback: 50, on: true },
    { lookback: 3, on: false },
  ]);
  assert.throws(
    () => validateGrid("m", mod, [{ on: true, lookbakc: 3 }]),
    /^SpecError: grid\.lookbakc: unknown option for m \(did you mean "lookback"\?\)$/,
  );
});
