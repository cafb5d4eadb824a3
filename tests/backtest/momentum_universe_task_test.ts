/**
 * `deno task backtest` on a momentum grid whose quantile selects no name of a 2-name universe:
 * refused with one line and exit 2 when no configuration can trade; otherwise a warning before
 * running and one line per configuration that cannot trade in the output.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const REPO = new URL("../../", import.meta.url).pathname;

async function run(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", "tasks/backtest.ts", ...args],
    cwd: REPO,
    env: { TZ: "UTC" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("backtest task: momentum quantile too fine for the universe is named", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const f = join(dir, "m.json");
    const spec = (quantile: number[]) => ({
      question: "two-names",
      strategy: "momentum",
      grid: { lookback: [40], skip: [5], quantile, rebalanceEvery: [10] },
      data: { source: "synthetic", symbols: 2, bars: 300, seed: 2 },
      pboPartitions: 4,
    });
    await Deno.writeTextFile(f, JSON.stringify(spec([0.25])));
    const bad = await run(["--spec", f, "--memory-ledger"]);
    assert.equal(bad.code, 2, bad.stderr);
    const lines = bad.stderr.trim().split("\n");
    assert.equal(lines.length, 1, bad.stderr);
    assert.match(lines[0]!, /the universe has 2 names/);
    assert.match(lines[0]!, /quantile 0\.25 of 2 names selects 0 names per leg/);
    assert.match(lines[0]!, /long\/short legs need at least 4 names/);
    assert.equal(bad.stdout, "");

    await Deno.writeTextFile(f, JSON.stringify(spec([0.25, 0.5])));
    const mixed = await run(["--spec", f, "--memory-ledger"]);
    assert.equal(mixed.code, 0, mixed.stderr);
    assert.match(mixed.stderr, /warning: momentum: 1 of 2 configurations cannot trade/);
    assert.match(mixed.stdout, /1 without dispersion/);
    assert.match(
      mixed.stdout,
      /configuration \{"lookback":40,"quantile":0\.25,"rebalanceEvery":10,"skip":5\}: cannot trade: quantile 0\.25 of 2 names/,
    );
    assert.doesNotMatch(mixed.stdout, /"quantile":0\.5,.*cannot trade/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
