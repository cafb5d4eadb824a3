/**
 * Labels on a date x symbol daily panel (date-major), computed per symbol over its own bars and
 * stamped with their end instant so that purging and embargo can use them.
 *
 * Decision time of a row (date t) is the session close of t (features use bars up to t). The
 * label end `t1` is the instant its last input became known: the session close of the target
 * bar for forward returns and triple barriers, the next session's open for overnight labels.
 *
 * Horizons count the symbol's bars. When the panel records missing sessions (`gaps`, built with
 * the data's session clock), a label whose horizon would reach past one has no value (NaN, so
 * the export drops the row) instead of silently running over a longer span.
 */
import { sessionBounds } from "../time/mod.ts";
import { forwardReturns, overnightLabels } from "./forward_returns.ts";
import { ewmVolatility, tripleBarrier } from "./triple_barrier.ts";

/** Which label to build. */
export type PanelLabelSpec =
  | {
    kind: "forward_return";
    /** Sessions ahead. @default 1 */
    horizon?: number;
    /** "log": ln(C_{t+h} / C_t); "simple": C_{t+h} / C_t - 1 (lib/labels forwardReturns). @default "log" */
    type?: "log" | "simple";
  }
  | { kind: "overnight" }
  | {
    kind: "triple_barrier";
    /** Vertical barrier in sessions. @default 10 */
    maxHolding?: number;
    /** @default 1 */
    upper?: number;
    /** @default 1 */
    lower?: number;
    /** Span of the EWM volatility that scales the barriers (times sqrt(maxHolding)). @default 20 */
    volSpan?: number;
  };

/** Labels on the panel grid. */
export interface PanelLabels {
  label: Float64Array;
  /** Decision instant (epoch ms) per cell: the session close of its date. */
  t0Ms: Float64Array;
  /** Label end instant (epoch ms) per cell; NaN where the label is NaN. */
  t1Ms: Float64Array;
  /** Longest look-ahead in sessions. */
  horizon: number;
}

/**
 * Build labels per symbol and place them on the grid.
 *
 * @example
 * ```ts
 * const y = panelLabels(panel, { kind: "forward_return", horizon: 5 });
 * ```
 */
export function panelLabels(
  panel: {
    dates: string[];
    symbols: string[];
    open: Float64Array;
    close: Float64Array;
    /** Restart marks (lib/features `DailyFeaturePanel.gaps`): a label never spans one. */
    gaps?: { gapBefore: Uint8Array };
  },
  spec: PanelLabelSpec,
  options: {
    /**
     * Session open and close of a date on the data's calendar (lib/time `getCalendar(name)
     * .sessionBounds`). @default the NYSE calendar's
     */
    sessionBounds?: (date: string) => { open: Date; close: Date } | null;
  } = {},
): PanelLabels {
  const nS = panel.symbols.length, nT = panel.dates.length, N = nS * nT;
  const bounds = options.sessionBounds ?? sessionBounds;
  const closeMs = panel.dates.map((d) => bounds(d)?.close.getTime() ?? NaN);
  const openMs = panel.dates.map((d) => bounds(d)?.open.getTime() ?? NaN);
  const label = new Float64Array(N).fill(NaN);
  const t1Ms = new Float64Array(N).fill(NaN);
  const t0Ms = new Float64Array(N);
  for (let t = 0; t < nT; t++) t0Ms.fill(closeMs[t]!, t * nS, (t + 1) * nS);
  let horizon = 1;
  const gapBefore = panel.gaps?.gapBefore;
  for (let s = 0; s < nS; s++) {
    // The symbol's bars with a close, cut into runs at missing sessions (a run's label never
    // reaches past its last bar).
    const runs: number[][] = [[]];
    for (let t = 0; t < nT; t++) {
      const k = t * nS + s;
      if (gapBefore?.[k] && runs.at(-1)!.length) runs.push([]);
      if (Number.isFinite(panel.close[k]!)) runs.at(-1)!.push(t);
    }
    for (const rows of runs) {
      const c = Float64Array.from(rows, (t) => panel.close[t * nS + s]!);
      const o = Float64Array.from(rows, (t) => panel.open[t * nS + s]!);
      let y: Float64Array, end: (i: number) => number;
      if (spec.kind === "forward_return") {
        const h = spec.horizon ?? 1;
        horizon = h;
        y = forwardReturns(c, { horizon: h, type: spec.type ?? "log" });
        end = (i) => closeMs[rows[i + h]!]!;
      } else if (spec.kind === "overnight") {
        y = overnightLabels({ open: o, close: c });
        end = (i) => openMs[rows[i + 1]!]!;
      } else {
        const mh = spec.maxHolding ?? 10;
        horizon = mh;
        const vol = ewmVolatility(c, { span: spec.volSpan ?? 20 }).map((v) => v * Math.sqrt(mh));
        const tb = tripleBarrier(c, {
          vol,
          maxHolding: mh,
          upper: spec.upper ?? 1,
          lower: spec.lower ?? 1,
        });
        y = tb.label;
        end = (i) => closeMs[rows[tb.t1[i]!]!]!;
      }
      for (let i = 0; i < rows.length; i++) {
        if (Number.isNaN(y[i]!)) continue;
        const k = rows[i]! * nS + s;
        label[k] = y[i]!;
        t1Ms[k] = end(i);
      }
    }
  }
  return { label, t0Ms, t1Ms, horizon };
}
