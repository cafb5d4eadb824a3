/**
 * `deno task backfill --sim` that lands no rows (dates outside the simulated market's window, or
 * a symbol it does not know): a warning line says 0 rows landed and why that may be, and the
 * task exits 1 unless `--allow-empty` (then 0, still warning). A normal run is unaffected.
 */
import { assert, assertEquals } from "../_assert.ts";

const TASK = new URL("../../tasks/backfill.ts", import.meta.url).pathname;

async function run(lake: string, args: string[]) {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", TASK, "--sim", "--no-quality", ...args],
    env: { WORKBENCH_DATA: lake, TZ: "UTC", WORKBENCH_DEBUG: "0" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: o.code, out: d.decode(o.stdout), err: d.decode(o.stderr) };
}

Deno.test("backfill --sim: 0 rows landed warns and exits 1 unless --allow-empty", async () => {
  const lake = await Deno.makeTempDir({ prefix: "backfill_empty_" });
  try {
    const base = ["--source", "polygon", "--dataset", "stock_bars_day", "--symbols", "SPY"];
    // Outside the default world (2024-01-02..2024-03-28, resolveWorldConfig defaults).
    let r = await run(lake, [...base, "--start", "2023-06-01", "--end", "2023-06-09"]);
    assertEquals(r.code, 1, r.out + r.err);
    assert(/0 rows landed/.test(r.err), r.err);
    assert(r.err.includes("2024-01-02..2024-03-28"), r.err);
    assert(r.err.includes("--allow-empty"), r.err);
    r = await run(lake, [
      ...base,
      "--start",
      "2023-06-01",
      "--end",
      "2023-06-09",
      "--allow-empty",
      "--job-id",
      "allow",
    ]);
    assertEquals(r.code, 0, r.out + r.err);
    assert(/0 rows landed/.test(r.err), r.err);
    // A symbol the simulated vendor does not list, inside the window.
    r = await run(lake, [
      "--source",
      "polygon",
      "--dataset",
      "stock_bars_day",
      "--symbols",
      "NOSUCHSYM",
      "--start",
      "2024-02-01",
      "--end",
      "2024-02-09",
    ]);
    assertEquals(r.code, 1, r.out + r.err);
    assert(/0 rows landed/.test(r.err) && /symbol/.test(r.err), r.err);
    // Inside the window, a known symbol: rows land, no warning, exit 0.
    r = await run(lake, [...base, "--start", "2024-02-01", "--end", "2024-02-09"]);
    assertEquals(r.code, 0, r.out + r.err);
    assert(!/0 rows landed/.test(r.err), r.err);
  } finally {
    await Deno.remove(lake, { recursive: true });
  }
});
