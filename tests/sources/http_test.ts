import { Secret } from "../../lib/core/secret.ts";
import {
  BudgetExhaustedError,
  HttpClient,
  HttpError,
  publicUrl,
  retryAfterMs,
} from "../../lib/sources/_http.ts";
import { assert, assertEquals, assertRejects } from "../_assert.ts";

const KEY = "HTTPTESTKEY-abcdef0123456789";

/** A loopback server answering from a script of responses (one per request, last repeats). */
function serve(script: ((req: Request) => Response | Promise<Response>)[]) {
  let n = 0;
  const times: number[] = [];
  let inFlight = 0, maxInFlight = 0;
  const ac = new AbortController();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen() {} },
    async (req) => {
      times.push(performance.now());
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        const f = script[Math.min(n++, script.length - 1)]!;
        return await f(req);
      } finally {
        inFlight--;
      }
    },
  );
  return {
    url: (path = "/x") =>
      new URL(`http://127.0.0.1:${server.addr.port}${path}?apiKey=${KEY}&limit=5`),
    times,
    get maxInFlight() {
      return maxInFlight;
    },
    get count() {
      return n;
    },
    close: async () => {
      ac.abort();
      await server.finished;
    },
  };
}

const ok = () => Response.json({ status: "OK", results: [1] });

Deno.test("publicUrl removes key parameters and keeps the rest", () => {
  new Secret(KEY);
  const u = publicUrl(`https://api.x.com/v2?apiKey=${KEY}&api_key=a&apikey=b&token=c&limit=5`);
  assertEquals(u, "https://api.x.com/v2?limit=5");
});

Deno.test("retryAfterMs: seconds, HTTP date, rate-limit reset, absent", () => {
  const now = Date.parse("2024-01-02T00:00:00Z");
  assertEquals(retryAfterMs(new Headers({ "retry-after": "3" }), now), 3000);
  assertEquals(
    retryAfterMs(new Headers({ "retry-after": "Tue, 02 Jan 2024 00:00:05 GMT" }), now),
    5000,
  );
  assertEquals(
    retryAfterMs(
      new Headers({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(now / 1000 + 7) }),
      now,
    ),
    7000,
  );
  assertEquals(retryAfterMs(new Headers({}), now), null);
  assertEquals(
    retryAfterMs(new Headers({ "x-ratelimit-reset": String(now / 1000 + 7) }), now),
    null,
  );
});

Deno.test("HttpClient: 429 with Retry-After waits that long, then succeeds; metrics count the retry", async () => {
  const s = serve([
    () => new Response("slow down", { status: 429, headers: { "retry-after": "0.3" } }),
    ok,
  ]);
  try {
    const http = new HttpClient({ vendor: "t", backoffBaseMs: 1 });
    const r = await http.getJson(s.url());
    assertEquals(r.attempts, 2);
    assert(s.times[1]! - s.times[0]! >= 290, `waited ${s.times[1]! - s.times[0]!} ms`);
    const m = http.metrics.summary();
    assertEquals([m.requests, m.attempts, m.retries, m.retriesByReason.http_429], [1, 2, 1, 1]);
    assert(!r.url.includes(KEY), "stored url has no key");
  } finally {
    await s.close();
  }
});

Deno.test("HttpClient: permanent 4xx is not retried and the error carries no key", async () => {
  const s = serve([() => Response.json({ error: `bad key ${KEY}` }, { status: 401 })]);
  try {
    const http = new HttpClient({ vendor: "t", backoffBaseMs: 1 });
    const e = await assertRejects(() => http.getJson(s.url()), HttpError);
    assertEquals(s.count, 1);
    assert(!e.message.includes(KEY) && !String(e.cause).includes(KEY), "key redacted");
    assertEquals((e as HttpError).status, 401);
  } finally {
    await s.close();
  }
});

Deno.test("HttpClient: 5xx, truncated body, vendor error in a 200 and timeout are retried", async () => {
  const s = serve([
    () => new Response("x", { status: 502 }),
    () => new Response('{"results":[1,', { status: 200 }),
    () => Response.json({ status: "ERROR", error: "try again" }),
    () => new Promise((r) => setTimeout(() => r(ok()), 400)),
    ok,
  ]);
  try {
    const http = new HttpClient({ vendor: "t", backoffBaseMs: 1, backoffMaxMs: 2, timeoutMs: 150 });
    const r = await http.getJson(s.url(), {
      check: (v) =>
        (v as { status: string }).status === "ERROR" ? { message: "e", retryable: true } : null,
    });
    assertEquals(r.attempts, 5);
    assertEquals(http.metrics.summary().retriesByReason, {
      http_502: 1,
      parse: 1,
      vendor_error: 1,
      timeout: 1,
    });
  } finally {
    await s.close();
  }
});

Deno.test("HttpClient: gives up after maxRetries with a retryable error", async () => {
  const s = serve([() => new Response("x", { status: 503 })]);
  try {
    const http = new HttpClient({ vendor: "t", backoffBaseMs: 1, backoffMaxMs: 1, maxRetries: 2 });
    const e = await assertRejects(
      () => http.getJson(s.url()),
      HttpError,
      "gave up after 3 attempts",
    );
    assert((e as HttpError).retryable);
    assertEquals(s.count, 3);
  } finally {
    await s.close();
  }
});

Deno.test("HttpClient: steady pacing, concurrency cap and daily budget", async () => {
  const s = serve([() => new Promise((r) => setTimeout(() => r(ok()), 30))]);
  try {
    const paced = new HttpClient({ vendor: "t", minIntervalMs: 60, concurrency: 4 });
    await Promise.all([0, 1, 2, 3].map(() => paced.getJson(s.url())));
    const gaps = s.times.slice(1).map((t, i) => t - s.times[i]!);
    assert(gaps.every((g) => g >= 55), `gaps ${gaps}`);

    const capped = new HttpClient({ vendor: "t", concurrency: 2 });
    await Promise.all(Array.from({ length: 6 }, () => capped.getJson(s.url())));
    assertEquals(s.maxInFlight, 2);

    const budget = new HttpClient({ vendor: "t", perDay: 2 });
    await budget.getJson(s.url());
    await budget.getJson(s.url());
    await assertRejects(() => budget.getJson(s.url()), BudgetExhaustedError);
  } finally {
    await s.close();
  }
});

Deno.test("HttpClient: per-minute budget delays the request beyond the window's quota", async () => {
  // Reservation is synchronous: with perMinute 2 the third request is scheduled 60 s after the
  // first; a 100 ms timeout on the whole call shows it is held back rather than sent.
  const s = serve([ok]);
  try {
    const http = new HttpClient({ vendor: "t", perMinute: 2 });
    await http.getJson(s.url());
    await http.getJson(s.url());
    const third = http.getJson(s.url());
    const early = await Promise.race([
      third.then(() => "sent"),
      new Promise((r) => setTimeout(() => r("held"), 150)),
    ]);
    assertEquals(early, "held");
    assertEquals(s.count, 2);
    // Let the test end without waiting a minute: the held request is abandoned with the server.
    third.catch(() => {});
  } finally {
    await s.close();
  }
});

Deno.test("HttpClient parseBytes: bodies arrive whole, with or without Content-Length", async () => {
  // Bodies of several hundred KiB, streamed in 64 KiB chunks without a length, or sent with one;
  // each byte depends on its position and the request, so a lost, repeated or misplaced chunk
  // (or a byte of another response) changes the sum.
  const sizes = [700_000, 300_000, 1_200_000, 50_000];
  const body = (k: number) => {
    const b = new Uint8Array(sizes[k]!);
    for (let i = 0; i < b.length; i++) b[i] = (i * 31 + k * 7) & 0xff;
    return b;
  };
  const expect = sizes.map((_, k) => body(k).reduce((a, x, i) => (a + x * (i % 13 + 1)) >>> 0, 0));
  let k = 0;
  const s = serve([(_req) => {
    const b = body(k), chunked = k % 2 === 0;
    k++;
    if (!chunked) return new Response(b);
    let off = 0;
    return new Response(
      new ReadableStream({
        pull(c) {
          if (off >= b.length) return c.close();
          c.enqueue(b.slice(off, off + 65_536));
          off += 65_536;
        },
      }),
    );
  }]);
  try {
    const http = new HttpClient({ vendor: "t", backoffBaseMs: 1 });
    const seen: number[][] = [];
    for (let i = 0; i < sizes.length; i++) {
      const r = await http.get(s.url(), {
        parse: () => [],
        parseBytes: (
          bytes,
        ) => [bytes.length, bytes.reduce((a, x, j) => (a + x * (j % 13 + 1)) >>> 0, 0)],
      });
      seen.push(r.value);
    }
    assertEquals(seen, sizes.map((n, i) => [n, expect[i]!]));
  } finally {
    await s.close();
  }
});
