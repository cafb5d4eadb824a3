import assert from "node:assert/strict";
import { type ChainSource, syntheticPanel } from "../../lib/backtest/mod.ts";
import { bsGreeks, bsPrice, toOptionColumns } from "../../lib/options/mod.ts";
import {
  buildEquityDeliverable,
  buildOptionsDeliverable,
  EquityDeliverableSchema,
  OptionsDeliverableSchema,
} from "../../lib/report/mod.ts";

const NOW = new Date("2026-01-02T00:00:00Z");
const SECTORS = Array.from(
  { length: 20 },
  (_, i) => ["Tech", "Energy", "Health", "Utilities"][i % 4]!,
);

Deno.test("equities deliverable validates, respects caps, and ignores data after the as-of bar", () => {
  const p = syntheticPanel({ symbols: 20, bars: 400, seed: 12 });
  const opts = { lookback: 120, skip: 10, perNameCap: 0.08, sectorCaps: { "*": 0.3 }, now: NOW };
  const doc = buildEquityDeliverable(p, SECTORS, 350, opts);
  assert.doesNotThrow(() => EquityDeliverableSchema.parse(doc));
  assert.equal(doc.as_of, new Date(p.tsMs[350]!).toISOString().slice(0, 10));
  assert.ok(doc.positions.length >= 4);
  for (const pos of doc.positions) {
    assert.ok(Math.abs(pos.target_weight) <= 0.08 + 1e-12);
    assert.equal(Math.sign(pos.expected_alpha_bps), Math.sign(pos.target_weight), pos.symbol);
    assert.ok(pos.take_profit_bps === 2 * pos.stop_loss_bps);
  }
  assert.ok(doc.risk.gross <= doc.risk.gross_cap + 1e-12);
  assert.equal(doc.risk.violations.length, 0);
  // look-ahead invariant: scrambling every bar after 350 changes nothing
  const q = { ...p, close: Float64Array.from(p.close), open: Float64Array.from(p.open) };
  for (let s = 0; s < 20; s++) for (let t = 351; t < 400; t++) q.close[s * 400 + t] = 1 + t;
  assert.deepEqual(buildEquityDeliverable(q, SECTORS, 350, opts), doc);
  assert.throws(() => buildEquityDeliverable(p, SECTORS, 50, opts), RangeError);
  assert.throws(() => buildEquityDeliverable(p, SECTORS.slice(1), 350, opts), RangeError);
});

Deno.test("deliverable schemas reject bad documents", () => {
  const p = syntheticPanel({ symbols: 20, bars: 300, seed: 2 });
  const doc = buildEquityDeliverable(p, SECTORS, 299, { lookback: 100, skip: 5, now: NOW });
  const bad = structuredClone(doc);
  bad.positions[0]!.confidence = 1.5;
  assert.throws(() => EquityDeliverableSchema.parse(bad), /confidence/);
  const noRisk = { ...doc } as Record<string, unknown>;
  delete noRisk.risk;
  assert.throws(() => EquityDeliverableSchema.parse(noRisk));
  assert.throws(() => OptionsDeliverableSchema.parse({ sleeve: "options", as_of: "2024-13-01" }));
});

function flatChain(vol: number, moves: number[]): ChainSource {
  const days = moves.map((_, i) =>
    new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString().slice(0, 10)
  );
  const spots = moves.map((m, i) => 100 * Math.exp(m * (i % 2 ? 1 : -1)));
  const spot = new Map(days.map((d, i) => [d, spots[i]!]));
  return {
    days,
    spot: (d) => spot.get(d)!,
    rate: () => 0,
    div: 0,
    expiries: () => ["2024-03-01", "2024-03-15"],
    strikes: () => [95, 100, 105],
    quote: (c, d) => {
      const t = (Date.parse(c.expiry) - Date.parse(d)) / 86_400_000 / 365;
      const m = bsPrice(
        toOptionColumns([{ spot: spot.get(d)!, strike: c.strike, t, isCall: c.type === "call" }]),
        Float64Array.of(vol),
      )[0]!;
      return { bid: m - 0.01, ask: m + 0.01, t };
    },
  };
}

Deno.test("options deliverable: straddle sized to the target vega; edge = IV - RV", () => {
  // spot alternates 100 e^-0.005, 100 e^+0.005: log returns alternate +-0.01, implied vol 20%
  const src = flatChain(0.2, new Array(40).fill(0.005));
  const asOf = src.days[30]!;
  const doc = buildOptionsDeliverable(src, asOf, { targetVega: -20_000, now: NOW });
  assert.doesNotThrow(() => OptionsDeliverableSchema.parse(doc));
  const s = doc.strategies[0]!;
  assert.equal(s.type, "short_straddle");
  assert.equal(s.expiry, "2024-03-01"); // 31 days from 2024-01-31 is closest to 30
  const t = (Date.parse("2024-03-01") - Date.parse(asOf)) / 86_400_000 / 365;
  const g = bsGreeks(
    toOptionColumns([
      { spot: src.spot(asOf), strike: s.legs[0]!.strike, t, isCall: true },
      { spot: src.spot(asOf), strike: s.legs[0]!.strike, t, isCall: false },
    ]),
    Float64Array.of(0.2, 0.2),
  );
  const vegaPer = (g.vega[0]! + g.vega[1]!) * 100;
  assert.equal(s.quantity, Math.round(-20_000 / vegaPer));
  assert.ok(Math.abs(s.implied_vol - 0.2) < 1e-3); // solved from mids quoted at 20%
  // 21 returns, 11 of one sign: mean 0.01/21, sum of squares about the mean 21e-4 - 1e-4/21
  const rv = Math.sqrt((21e-4 - 1e-4 / 21) / 20 * 252);
  assert.ok(Math.abs(s.realised_vol - rv) < 1e-12, `${s.realised_vol} vs ${rv}`);
  assert.ok(s.expected_pnl > 0 && s.confidence > 0.9);
  assert.equal(doc.risk.within_caps, true);
  assert.throws(() => buildOptionsDeliverable(src, src.days[5]!), RangeError);
  assert.throws(() => buildOptionsDeliverable(src, "1999-01-01"), RangeError);
});

Deno.test("options deliverable: expected P&L says it is the model's; a losing backtest vetoes it", () => {
  const src = flatChain(0.2, new Array(40).fill(0.005));
  const asOf = src.days[30]!;
  const bt = {
    description: "short 30-day ATM straddle, 10 contracts a leg",
    start: src.days[0]!,
    end: asOf,
    sessions: 31,
    pnlAfterCosts: -13_265,
    optionCosts: 360,
    hedgeCosts: 1009,
  };
  const base = { targetVega: -20_000, now: NOW };
  const none = buildOptionsDeliverable(src, asOf, base).strategies[0]!;
  // IV 20% above RV ~16.3% for a short straddle: the model expects a gain
  assert.ok(none.expected_pnl > 0);
  assert.match(none.expected_pnl_basis, /^model, not a backtest: \|net vega\| x \(IV - RV\)/);
  assert.equal(none.backtest, null);
  assert.equal(none.recommended, true);
  assert.match(none.recommendation, /recommended on the model alone/);

  const lost = buildOptionsDeliverable(src, asOf, { ...base, backtest: bt });
  assert.doesNotThrow(() => OptionsDeliverableSchema.parse(lost));
  const s = lost.strategies[0]!;
  assert.equal(s.expected_pnl, none.expected_pnl); // the backtest does not change the model figure
  assert.equal(s.backtest?.pnl_after_costs, -13_265);
  assert.equal(s.recommended, false);
  assert.match(
    s.recommendation,
    new RegExp(
      `^expected \\+[\\d,.]+ USD under the model; the backtest of this sleeve lost 13,265 USD ` +
        `after costs over ${src.days[0]}\\.\\.${asOf} \\(31 sessions; .*\\): not recommended$`,
    ),
  );

  const made = buildOptionsDeliverable(src, asOf, {
    ...base,
    backtest: { ...bt, pnlAfterCosts: 2_000 },
  }).strategies[0]!;
  assert.equal(made.recommended, true);
  assert.match(made.recommendation, /made 2,000 USD after costs .*: recommended$/);

  // implied 10% below realised ~16.3%: a short straddle has no edge, whatever the backtest made
  const noEdge = buildOptionsDeliverable(flatChain(0.1, new Array(40).fill(0.005)), asOf, {
    ...base,
    backtest: { ...bt, pnlAfterCosts: 2_000 },
  }).strategies[0]!;
  assert.ok(noEdge.expected_pnl < 0);
  assert.equal(noEdge.recommended, false);
  assert.match(noEdge.recommendation, /\(no edge\): not recommended$/);
});
