import { Secret } from "../../lib/core/secret.ts";
import { HttpClient, HttpError } from "../../lib/sources/_http.ts";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { leakedPieces } from "../core/_secret_scan.ts";

const KEY = "RedirKey_7hQ2mXv9Lp4sT1wZ";
const PASSWORD = "userinfoPw_5kR8nB3";
const FAST = { maxRetries: 2, backoffBaseMs: 1, backoffMaxMs: 2 };

/** A loopback server that records what it receives. */
function recorder(handler: (req: Request, self: string) => Response | Promise<Response>) {
  const seen: { url: string; headers: [string, string][] }[] = [];
  const ac = new AbortController();
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen() {} },
    (req): Response | Promise<Response> => {
      seen.push({ url: req.url, headers: [...req.headers] });
      return handler(req, `http://127.0.0.1:${server.addr.port}`);
    },
  );
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    seen,
    close: async () => {
      ac.abort();
      await server.finished;
    },
  };
}

const everything = (s: { seen: { url: string; headers: [string, string][] }[] }) =>
  JSON.stringify(s.seen);

Deno.test("a cross-origin redirect drops headers, userinfo and key parameters", async () => {
  new Secret(KEY);
  new Secret(PASSWORD);
  const other = recorder(() => Response.json({ ok: true }));
  const origin = recorder((req) => {
    const u = new URL(req.url);
    if (u.pathname === "/same") {
      return new Response(null, { status: 302, headers: { location: "/final" } });
    }
    if (u.pathname === "/final") return Response.json({ auth: req.headers.get("authorization") });
    // The vendor sends us elsewhere and even echoes the key into the Location's apiKey.
    return new Response(null, {
      status: 307,
      headers: { location: `${other.base}/landing?apiKey=${KEY}&page=2` },
    });
  });
  try {
    const http = new HttpClient({ vendor: "t", ...FAST });
    const withCreds = (path: string) =>
      new URL(`http://bob:${PASSWORD}@127.0.0.1:${new URL(origin.base).port}${path}?apiKey=${KEY}`);
    const headers = { Authorization: `Bearer ${KEY}`, "APCA-API-KEY-ID": KEY, "X-Api-Key": KEY };
    const r = await http.getJson(withCreds("/away"), { headers });
    assertEquals(r.value, { ok: true });
    assertEquals(other.seen.length, 1);
    const got = everything(other);
    assertEquals(leakedPieces(got, KEY), [], got);
    assertEquals(leakedPieces(got, PASSWORD), [], got);
    assert(!/authorization|apca|x-api-key/i.test(got), got);
    assertEquals(new URL(other.seen[0]!.url).search, "?page=2");
    // The origin itself did get the credentials (they are meant for it).
    assert(leakedPieces(everything(origin), KEY).length > 0);
    // A same-origin redirect keeps them.
    const same = await http.getJson<{ auth: string }>(withCreds("/same"), { headers });
    assert(same.value.auth.includes(`Bearer ${KEY}`), "same origin: the header still goes");
    // The URL kept for lineage has neither userinfo nor key.
    assertEquals(r.url, `${origin.base}/away`);
  } finally {
    await origin.close();
    await other.close();
  }
});

Deno.test("a cross-origin Location that still carries the key (any case) is refused, never fetched", async () => {
  new Secret(KEY);
  const other = recorder(() => Response.json({ ok: true }));
  const locations = [
    `/x?q=${KEY}`,
    `/${KEY.toUpperCase()}/x`,
    `/x?cursor=abc${KEY.slice(3, 15).toLowerCase()}def`,
  ];
  let i = 0;
  const origin = recorder(() =>
    new Response(null, { status: 302, headers: { location: `${other.base}${locations[i]}` } })
  );
  try {
    const http = new HttpClient({ vendor: "t", ...FAST });
    for (; i < locations.length; i++) {
      const e = await assertRejects(
        () => http.getJson(new URL(`${origin.base}/a?apiKey=${KEY}`)),
        HttpError,
        "carries a credential",
      );
      assertEquals(leakedPieces(`${e.message} ${String(e.cause)}`, KEY), []);
    }
    assertEquals(other.seen.length, 0);
  } finally {
    await origin.close();
    await other.close();
  }
});

Deno.test("redirect limits: loops, https to http, other schemes (not retried)", async () => {
  let calls = 0;
  const stub = ((input: URL | string) => {
    calls++;
    const u = new URL(String(input));
    const to = u.pathname === "/loop"
      ? "/loop"
      : u.pathname === "/down"
      ? "http://vendor.example/x"
      : "file:///etc/passwd";
    return Promise.resolve(new Response(null, { status: 301, headers: { location: to } }));
  }) as typeof fetch;
  const http = new HttpClient({ vendor: "t", ...FAST, fetch: stub });
  await assertRejects(
    () => http.getJson(new URL("https://vendor.example/loop")),
    HttpError,
    "more than 5 redirects",
  );
  assertEquals(calls, 6, "one attempt: the first request and 5 redirects, no retry");
  await assertRejects(
    () => http.getJson(new URL("https://vendor.example/down")),
    HttpError,
    "https to http",
  );
  await assertRejects(
    () => http.getJson(new URL("https://vendor.example/f")),
    HttpError,
    "file: URL",
  );
});

Deno.test("response bodies are capped: endless stream, large Content-Length, gzip bomb", async () => {
  const CAP = 1 << 20;
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let streamed = 0;
  const gz = new Uint8Array(
    await new Response(
      new Blob([new Uint8Array(8 << 20).fill(0x30)]).stream().pipeThrough(
        new CompressionStream("gzip"),
      ),
    ).arrayBuffer(),
  );
  const server = recorder((req) => {
    const p = new URL(req.url).pathname;
    if (p === "/endless") {
      // An endless body, no Content-Length: the client must stop reading at the cap.
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          streamed += chunk.length;
          c.enqueue(chunk);
        },
      });
      return new Response(body, { headers: { "content-type": "application/json" } });
    }
    if (p === "/declared") {
      return new Response(new Uint8Array(2 * CAP), {
        headers: { "content-length": String(2 * CAP) },
      });
    }
    return new Response(gz, {
      headers: { "content-encoding": "gzip", "content-length": String(gz.length) },
    });
  });
  try {
    const http = new HttpClient({ vendor: "t", ...FAST, maxBodyBytes: CAP });
    const t0 = performance.now();
    await assertRejects(
      () => http.getJson(new URL(`${server.base}/endless`)),
      HttpError,
      "exceeds the cap",
    );
    assert(performance.now() - t0 < 5000);
    assert(streamed < 64 * CAP, `the server streamed ${streamed} bytes before the client stopped`);
    await assertRejects(
      () => http.getJson(new URL(`${server.base}/declared`)),
      HttpError,
      "exceeds the cap",
    );
    assert(gz.length < CAP, "the compressed body is under the cap; decoded it is 8 MiB");
    await assertRejects(
      () => http.getJson(new URL(`${server.base}/bomb`)),
      HttpError,
      "exceeds the cap",
    );
    assertEquals(server.seen.length, 3, "a body over the cap is not retried");
  } finally {
    await server.close();
  }
});

Deno.test("a vendor error body echoing the key (prefix, lower case) leaves no piece in the error", async () => {
  new Secret(KEY);
  const server = recorder(() =>
    new Response(
      JSON.stringify({
        status: "ERROR",
        error: `Unknown API key '${KEY.slice(0, 12)}...' (${KEY.toLowerCase()})`,
      }),
      { status: 401 },
    )
  );
  try {
    const http = new HttpClient({ vendor: "t", ...FAST });
    const e = await assertRejects(
      () => http.getJson(new URL(`${server.base}/v?apiKey=${KEY}`)),
      HttpError,
    );
    const all = `${e.message}\n${String(e.cause)}\n${(e as HttpError).url}`;
    assertEquals(leakedPieces(all, KEY), [], all);
    assert(String(e.cause).includes("Unknown API key '***...' (***)"), String(e.cause));
  } finally {
    await server.close();
  }
});
