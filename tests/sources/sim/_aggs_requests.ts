/**
 * Private: a fixed set of Polygon aggregate requests to the simulator, and the digest of each
 * response body, for the byte-for-byte check of the aggregates serialisation
 * (tests/sources/sim/aggs_bytes_test.ts; reference digests from tests/reference/sim_aggs_bytes.ts).
 *
 * Each request is followed through its `next_url` pages (the key re-appended). The server's
 * own base URL (a free port) is written as `http://sim` before hashing; nothing else is changed.
 */
import { startSimServer } from "../../../lib/sources/sim/mod.ts";

/** The world the digests were taken on. */
export const AGGS_WORLD = { start: "2024-02-01", end: "2024-03-28", equityCount: 30 };
/** Seed of the world and of the request ids. */
export const AGGS_SEED = 3;

/** One page: request path (relative, key removed), status, body length and SHA-256. */
export interface PageDigest {
  path: string;
  status: number;
  bytes: number;
  sha256: string;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(d, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** The request list (paths with query, without the key) for a world. */
function requests(splits: string[], option: string): string[] {
  const D = "2024-03-27", R = "2024-03-01/2024-03-28";
  const out = [
    `/v2/aggs/ticker/SPY/range/1/minute/${D}/${D}?adjusted=true&sort=asc&limit=50000`,
    `/v2/aggs/ticker/SPY/range/1/minute/${D}/${D}?adjusted=false&sort=desc&limit=50000`,
    `/v2/aggs/ticker/SPY/range/1/minute/2024-03-25/${D}?limit=100`,
    `/v2/aggs/ticker/SPY/range/1/minute/2024-03-25/${D}?limit=250&sort=desc`,
    `/v2/aggs/ticker/SPY/range/5/minute/${D}/${D}?limit=100`,
    `/v2/aggs/ticker/SPY/range/1/hour/${D}/${D}`,
    `/v2/aggs/ticker/SPY/range/1/second/${D}/${D}?adjusted=true&sort=asc&limit=50000`,
    `/v2/aggs/ticker/SPY/range/1/second/${D}/${D}?limit=5000&sort=desc`,
    `/v2/aggs/ticker/SPY/range/1/second/1711546200000/1711546260000`,
    `/v2/aggs/ticker/SPY/range/1/day/${R}?sort=desc`,
    `/v2/aggs/ticker/SPY/range/1/day/${R}?limit=7`,
    `/v2/aggs/ticker/SPY/range/1/week/${R}`,
    `/v2/aggs/ticker/SPY/range/1/month/${R}?adjusted=false`,
    `/v2/aggs/ticker/I:VIX/range/1/minute/${D}/${D}?limit=3`,
    `/v2/aggs/ticker/I:VIX/range/1/minute/${D}/${D}?limit=50000&sort=desc`,
    `/v2/aggs/ticker/I:VIX/range/1/day/${R}`,
    `/v2/aggs/ticker/I:SPX/range/1/minute/${D}/${D}`,
    `/v2/aggs/ticker/${option}/range/1/minute/${D}/${D}?limit=50000`,
    `/v2/aggs/ticker/${option}/range/1/minute/${D}/${D}?limit=40`,
    `/v2/aggs/ticker/${option}/range/1/day/${R}`,
    `/v2/aggs/ticker/NOPE/range/1/minute/${D}/${D}`,
    `/v2/aggs/ticker/SPY/range/0/minute/${D}/${D}`,
  ];
  for (const t of splits) {
    for (const adj of [true, false]) {
      out.push(`/v2/aggs/ticker/${t}/range/1/day/${R}?adjusted=${adj}`);
      out.push(`/v2/aggs/ticker/${t}/range/1/minute/2024-03-04/2024-03-05?adjusted=${adj}`);
      out.push(
        `/v2/aggs/ticker/${t}/range/1/minute/2024-03-04/2024-03-05?adjusted=${adj}&limit=300`,
      );
    }
  }
  return out;
}

/** Start a simulator, run the request list in order and digest every page. */
export async function aggsDigests(): Promise<PageDigest[]> {
  const sim = await startSimServer({ seed: AGGS_SEED, world: AGGS_WORLD });
  try {
    const w = sim.world;
    // Seed 3 has four splits in range (1:4, 1:3 and two 10:1): adjusted prices are then
    // products like 45.67 / 3, whose JSON text is the full shortest round-trip form.
    const splits = w.corporateActions().filter((a) => a.kind === "split").map((a) => a.ticker);
    if (splits.length < 2) throw new Error(`expected splits in the seed-3 world, got ${splits}`);
    const DAY = "2024-03-27";
    const spot = w.spyDaily.close[w.dayIndex(DAY)!]!;
    const option = w.options.listed(DAY).filter((x) => x.type === "call" && x.expiration > DAY)
      .sort((a, b) => Math.abs(a.strike - spot) - Math.abs(b.strike - spot))[0]!.ticker;
    const out: PageDigest[] = [];
    const base = sim.baseUrl;
    for (const first of requests(splits, option)) {
      let path: string | undefined = first;
      let pages = 0;
      while (path !== undefined && pages++ < 50) {
        const sep = path.includes("?") ? "&" : "?";
        const res = await fetch(`${base}${path}${sep}apiKey=k`);
        const raw = new Uint8Array(await res.arrayBuffer());
        const text = new TextDecoder().decode(raw).replaceAll(base, "http://sim");
        const body = new TextEncoder().encode(text);
        out.push({ path, status: res.status, bytes: body.length, sha256: await sha256(body) });
        const next: unknown = res.status === 200 ? JSON.parse(text).next_url : undefined;
        path = typeof next === "string" ? next.slice("http://sim".length) : undefined;
      }
    }
    return out;
  } finally {
    await sim.close();
  }
}
