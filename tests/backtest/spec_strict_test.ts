/**
 * Backtest specs are strict: an unknown field anywhere (top level, data, costs, gate) is refused
 * with its path and the nearest known field; the specs the project ships (tasks/specs, README)
 * still parse.
 */
import { z } from "zod";
import { assert, assertEquals } from "../_assert.ts";
import { BacktestSpecSchema, parseBacktestSpec } from "../../lib/backtest/mod.ts";
import { formatZodIssues } from "../../lib/cli/task.ts";

/** The one-line message of a spec that must fail to parse. */
function refusal(json: unknown): string {
  try {
    parseBacktestSpec(json);
  } catch (e) {
    if (e instanceof z.ZodError) return formatZodIssues(e);
    throw e;
  }
  throw new Error(`parsed: ${JSON.stringify(json)}`);
}

const BASE = {
  question: "eu-momentum-typo",
  strategy: "momentum",
  grid: { lookback: [63], skip: [5], quantile: [0.25], rebalanceEvery: [21] },
  data: { source: "lake", dataset: "user/eu_indices" },
  costs: { model: "spread_only", halfSpreadBps: 2 },
};

Deno.test("backtest spec: data.symbol / data.strat refused with suggestions (trial mom_typo.json)", () => {
  const msg = refusal({
    ...BASE,
    data: { ...BASE.data, symbol: ["DAX", "CAC"], strat: "1995-01-01" },
  });
  assertEquals(
    msg,
    'data.symbol: unknown field (did you mean "symbols"?); data.strat: unknown field (did you mean "start"?)',
  );
});

Deno.test("backtest spec: top-level cost refused (did you mean costs), before any data", () => {
  const { costs: _, ...noCosts } = BASE;
  assertEquals(
    refusal({ ...noCosts, cost: { model: "spread_only" } }),
    'cost: unknown field (did you mean "costs"?)',
  );
});

Deno.test("backtest spec: nested costs, gate, synthetic and sim data are strict", () => {
  assertEquals(
    refusal({ ...BASE, costs: { model: "spread_only", halfSpreadBp: 2 } }),
    'costs.halfSpreadBp: unknown field (did you mean "halfSpreadBps"?)',
  );
  assertEquals(
    refusal({ ...BASE, gate: { minSharp: 0.5 } }),
    'gate.minSharp: unknown field (did you mean "minSharpe"?)',
  );
  assertEquals(
    refusal({ ...BASE, data: { source: "synthetic", symbol: 3 } }),
    'data.symbol: unknown field (did you mean "symbols"?)',
  );
  const sim = refusal({
    ...BASE,
    data: { source: "sim", start: "2024-01-02", end: "2024-02-01", colour: 1 },
  });
  assert(sim.startsWith("data.colour: unknown field (known: source, seed, start, end"), sim);
  // a free-form grid keeps its keys (the strategy's schema judges them, with its own message)
  assertEquals(BacktestSpecSchema.parse(BASE).grid.lookback, [63]);
});

/** Every ```json block of the README that is a backtest spec. */
function readmeBacktestSpecs(): unknown[] {
  const md = Deno.readTextFileSync(new URL("../../README.md", import.meta.url));
  const blocks = [...md.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!));
  return blocks.filter((b) => b && typeof b === "object" && "strategy" in b);
}

Deno.test("backtest spec: the README's and tasks/specs' backtest specs still parse", () => {
  const readme = readmeBacktestSpecs();
  assert(readme.length >= 1, "README holds a backtest spec");
  for (const s of readme) assert(BacktestSpecSchema.safeParse(s).success, JSON.stringify(s));
  const dir = new URL("../../tasks/specs/", import.meta.url);
  let n = 0;
  for (const e of Deno.readDirSync(dir)) {
    if (!e.name.endsWith(".json")) continue;
    const json = JSON.parse(Deno.readTextFileSync(new URL(e.name, dir)));
    if (!("strategy" in json)) continue;
    const r = BacktestSpecSchema.safeParse(json);
    assert(r.success, `${e.name}: ${r.success ? "" : formatZodIssues(r.error)}`);
    n++;
  }
  assert(n >= 6, `tasks/specs has ${n} backtest specs`);
});
