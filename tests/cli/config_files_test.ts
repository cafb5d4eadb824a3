/**
 * JSON configuration files read by tasks refuse unknown fields (a typo would run with the
 * default): the runbook file of `daily`/`shadow` and the plan of `backfill-all`.
 */
import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { UsageError } from "../../lib/cli/task.ts";
import { checkRunbookFile } from "../../tasks/_runbook_options.ts";

Deno.test("runbook file: an unknown field is a usage error naming it and the near one", async () => {
  const dir = await Deno.makeTempDir();
  const ok = `${dir}/ok.json`, bad = `${dir}/bad.json`;
  await Deno.writeTextFile(ok, JSON.stringify({ trainStart: "2024-02-01", costBps: 1 }));
  await Deno.writeTextFile(bad, JSON.stringify({ trainstart: "2024-02-01", costBps: 1 }));
  checkRunbookFile(ok);
  const e = assertThrows(() => checkRunbookFile(bad), UsageError);
  assertEquals(
    e.message,
    `--config ${bad}: trainstart: unknown field (did you mean "trainStart"?)`,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("backfill-all --plan: an unknown step field exits 2 with one line", async () => {
  const dir = await Deno.makeTempDir();
  const plan = `${dir}/plan.json`;
  await Deno.writeTextFile(
    plan,
    JSON.stringify([{
      source: "polygon",
      dataset: "stock_bars_day",
      symbol: ["SPY"],
      symbols: ["SPY"],
      start: "2024-01-02",
      end: "2024-01-31",
    }]),
  );
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", "tasks/backfill_all.ts", "--plan", plan],
    cwd: new URL("../../", import.meta.url),
    env: { WORKBENCH_DATA: `${dir}/lake` },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(o.stderr).trim();
  assertEquals(o.code, 2, err);
  assertEquals(err.split("\n").length, 1, err);
  assert(err.includes('step 1: symbol: unknown field (did you mean "symbols"?)'), err);
  await Deno.remove(dir, { recursive: true });
});
