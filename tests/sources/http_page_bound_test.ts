import { Secret } from "../../lib/core/secret.ts";
import { DataError } from "../../lib/core/errors.ts";
import { aggsRowBound, PolygonClient } from "../../lib/sources/polygon.ts";
import { assert, assertEquals, assertRejects } from "../_assert.ts";

Deno.test("aggsRowBound: the most bars a request can return, hand-worked", () => {
  // One date: from its UTC midnight - 12 h to + 36 h = 48 h = 2880 minutes, + 1.
  assertEquals(aggsRowBound(1, "minute", "2024-01-02", "2024-01-02"), 2881);
  assertEquals(aggsRowBound(5, "minute", "2024-01-02", "2024-01-02"), 577);
  assertEquals(aggsRowBound(1, "second", "2024-01-02", "2024-01-02"), 172_801);
  // Two dates: 72 h.
  assertEquals(aggsRowBound(1, "hour", "2024-01-02", "2024-01-03"), 73);
  // Epoch-ms bounds are exact: [0, 3,600,000] holds 61 one-minute stamps.
  assertEquals(aggsRowBound(1, "minute", 0, 3_600_000), 61);
  assertEquals(aggsRowBound(1, "day", "2024-01-01", "2024-12-31"), 368);
  assert(3_000_000 > aggsRowBound(1, "minute", "2024-01-02", "2024-01-02"));
});

/** A Polygon stand-in serving one aggregates page of `n` minute bars (and a cursor when asked). */
function aggsServer(pages: number[]) {
  let served = 0;
  const ac = new AbortController();
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen() {} },
    (req): Response => {
      const i = served++;
      const n = pages[Math.min(i, pages.length - 1)]!;
      const t0 = Date.UTC(2024, 0, 2, 14, 30) + i * 1_000 * 60 * 1_000;
      const results = Array.from({ length: n }, (_, k) => ({
        t: t0 + k * 60_000,
        o: 1,
        h: 1,
        l: 1,
        c: 1,
        v: 1,
      }));
      const next: string | undefined = i + 1 < pages.length
        ? `http://127.0.0.1:${server.addr.port}/v2/aggs/cursor${i + 1}`
        : undefined;
      void req;
      return Response.json({ status: "OK", results, ...(next ? { next_url: next } : {}) });
    },
  );
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    get served() {
      return served;
    },
    close: async () => {
      ac.abort();
      await server.finished;
    },
  };
}

async function drain(client: PolygonClient): Promise<number> {
  let n = 0;
  for await (
    const p of client.aggs("SPY", 1, "minute", "2024-01-02", "2024-01-02", { limit: 5000 })
  ) {
    n += p.frame.height;
  }
  return n;
}

Deno.test("polygon: a page above the request's limit, or a listing above the range's bars, is refused", async () => {
  const key = new Secret("pgBoundKey_0123456789ab");
  const http = { maxRetries: 0 };
  // Within bounds: 390 + 390 bars over two pages land.
  const fine = aggsServer([390, 390]);
  try {
    assertEquals(
      await drain(new PolygonClient({ baseUrl: fine.base, apiKey: key, httpOptions: http })),
      780,
    );
  } finally {
    await fine.close();
  }
  // One page of 5,001 rows for limit=5000.
  const big = aggsServer([5_001]);
  try {
    await assertRejects(
      () => drain(new PolygonClient({ baseUrl: big.base, apiKey: key, httpOptions: http })),
      DataError,
      "holds 5001 rows but the request asked for at most 5000",
    );
  } finally {
    await big.close();
  }
  // 3,000 bars for one session (each page within its limit): more than a day can hold.
  const many = aggsServer([1_000, 1_000, 1_000]);
  try {
    const e = await assertRejects(
      () => drain(new PolygonClient({ baseUrl: many.base, apiKey: key, httpOptions: http })),
      DataError,
      "that range holds at most 2881 bars",
    );
    assert(!e.message.includes(key.reveal()), e.message);
  } finally {
    await many.close();
  }
});
