/**
 * The equity universe's static description: tickers, names, sectors, listing life (IPO and
 * delisting), and planned corporate actions. Paths are in equities.ts.
 *
 * Life events (fractions of the universe, drawn per seed):
 * - 12% IPO inside the simulated range (no history before their IPO date);
 * - 5% go bankrupt: a final session return of -70% to -95%, then delisted the next session;
 * - 5% are acquired: an announcement-day jump of +20% to +40%, then pinned near the deal price
 *   for 20-40 sessions, then delisted at the deal price;
 * - 6% execute a forward split (2, 3 or 4 for 1; start price 300-900), 3% a 1-for-10 reverse
 *   split (start price $0.5-3);
 * - 50% pay quarterly cash dividends (yield 1-4%).
 */
import type { Rng } from "../../core/random.ts";

export const SECTORS = [
  "Technology",
  "Health Care",
  "Financials",
  "Consumer Discretionary",
  "Communication Services",
  "Industrials",
  "Consumer Staples",
  "Energy",
  "Utilities",
  "Real Estate",
  "Materials",
] as const;

const WORDS = [
  "Acme",
  "Apex",
  "Beacon",
  "Cobalt",
  "Delta",
  "Ember",
  "Falcon",
  "Granite",
  "Harbor",
  "Ion",
  "Juniper",
  "Keystone",
  "Lumen",
  "Meridian",
  "Nimbus",
  "Orion",
  "Pioneer",
  "Quartz",
  "Redwood",
  "Summit",
  "Titan",
  "Umbra",
  "Vertex",
  "Willow",
  "Xenon",
  "Yukon",
  "Zenith",
];
const SUFFIX: Record<string, string> = {
  "Technology": "Systems",
  "Health Care": "Therapeutics",
  "Financials": "Financial",
  "Consumer Discretionary": "Brands",
  "Communication Services": "Media",
  "Industrials": "Industries",
  "Consumer Staples": "Foods",
  "Energy": "Energy",
  "Utilities": "Power",
  "Real Estate": "Realty",
  "Materials": "Materials",
};

export type DelistReason = "bankruptcy" | "acquisition";

/** Static facts about one name. */
export interface EquityInfo {
  ticker: string;
  name: string;
  sector: string;
  exchange: "NYSE" | "NASDAQ";
  /** Market beta to SPY. */
  beta: number;
  /** Annualized idiosyncratic volatility. */
  idioVol: number;
  /** Session index of the first trading day in the simulated path (incl. burn-in). */
  firstIndex: number;
  /** Session index of the last trading day, or -1 when still listed. */
  lastIndex: number;
  delistReason?: DelistReason;
  /** Session index of the acquisition announcement. */
  announceIndex?: number;
  /** Planned split: session index and ratio split_to / split_from. */
  split?: { index: number; from: number; to: number };
  /** Quarterly dividend yield (0 = none) and phase within the 63-session cycle. */
  dividendYield: number;
  dividendPhase: number;
  startPrice: number;
  /** Typical session volume in shares. */
  baseVolume: number;
}

/**
 * Draw the universe. `burnIn` sessions precede the served range (index `burnIn` is the first
 * served session); `n` is the path length.
 */
export function drawUniverse(rng: Rng, count: number, burnIn: number, n: number): EquityInfo[] {
  const r = rng.fork("universe");
  const used = new Set(["SPY", "VIX", "QQQ", "IWM"]);
  const out: EquityInfo[] = [];
  const served = n - burnIn;
  for (let i = 0; i < count; i++) {
    let ticker = "";
    do {
      const len = r.int(2, 4);
      ticker = "";
      for (let j = 0; j < len; j++) ticker += String.fromCharCode(65 + r.int(0, 25));
    } while (used.has(ticker));
    used.add(ticker);
    const sector = SECTORS[i % SECTORS.length]!;
    const name = `${WORDS[r.int(0, WORDS.length - 1)]} ${ticker[0]}${
      ticker.slice(1).toLowerCase()
    } ${SUFFIX[sector]}`;
    const info: EquityInfo = {
      ticker,
      name: name + (r.uniform() < 0.5 ? " Inc" : " Corp"),
      sector,
      exchange: r.uniform() < 0.5 ? "NYSE" : "NASDAQ",
      beta: 0.6 + 0.9 * r.uniform(),
      idioVol: 0.15 + 0.3 * r.uniform(),
      firstIndex: 0,
      lastIndex: -1,
      dividendYield: r.uniform() < 0.5 ? 0.01 + 0.03 * r.uniform() : 0,
      dividendPhase: r.int(0, 62),
      startPrice: Math.exp(Math.log(10) + Math.log(30) * r.uniform()),
      baseVolume: Math.round(Math.exp(Math.log(3e5) + 2.5 * r.uniform())),
    };
    const u = r.uniform();
    const life = r.uniform();
    if (served > 20) {
      if (u < 0.06) {
        const to = r.int(2, 4);
        info.split = { index: burnIn + r.int(5, served - 5), from: 1, to };
        info.startPrice = 300 + 600 * r.uniform();
      } else if (u < 0.09) {
        info.split = { index: burnIn + r.int(5, served - 5), from: 10, to: 1 };
        info.startPrice = 0.5 + 2.5 * r.uniform();
        info.dividendYield = 0;
      }
      if (life < 0.12) {
        info.firstIndex = burnIn + r.int(1, Math.max(1, served - 20));
        if (info.split && info.split.index <= info.firstIndex) delete info.split;
      } else if (life < 0.17) {
        info.delistReason = "bankruptcy";
        info.lastIndex = burnIn + r.int(10, served - 2);
        info.dividendYield = 0;
      } else if (life < 0.22) {
        info.delistReason = "acquisition";
        info.announceIndex = burnIn + r.int(5, Math.max(6, served - 45));
        info.lastIndex = Math.min(n - 2, info.announceIndex + r.int(20, 40));
      }
      if (info.split && info.lastIndex >= 0 && info.split.index >= info.lastIndex) {
        delete info.split;
      }
    }
    out.push(info);
  }
  return out;
}
