// Trial 11 finding 5: an unreachable S3 endpoint said only "Cannot PUT s3://...: fetch failed"
// (no host, port or cause), and only after the whole file was parsed. The error now names the
// endpoint (scheme://host:port, no credentials, path or query) and the cause, and an ingest into
// an s3:// lake checks the store answers before it reads the file. No server needed: a closed
// local port and a name under .invalid (RFC 2606: never resolves).
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { S3Bucket, S3Error, unreachable } from "../../lib/lake/store/s3.ts";
import { Secret } from "../../lib/core/secret.ts";
import { ingestBarsFile } from "../../lib/ingest/user_file.ts";
import { closeRemoteLakes } from "../../lib/lake/store/remote.ts";

const KEY_ID = "AKIAUNREACHABLE7Q2Z";
const SECRET = "s3cr3t-unreachable-Zq9vX2kP";

/** A local TCP port nothing listens on (bound, then closed). */
function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

function bucket(endpoint: string): S3Bucket {
  return new S3Bucket("research", {
    endpoint,
    region: "us-east-1",
    pathStyle: true,
    accessKeyId: new Secret(KEY_ID),
    secretAccessKey: new Secret(SECRET),
  });
}

function noSecrets(msg: string) {
  assert(!msg.includes(KEY_ID) && !msg.includes(SECRET), msg);
  assert(!msg.includes("fetch failed"), msg);
}

Deno.test("trial 11 #5: a closed port: the S3 error names the endpoint and 'connection refused'", async () => {
  const port = closedPort();
  const b = bucket(`http://127.0.0.1:${port}`);
  const key = "lake/curated/user/x/year=2000/part-0123.parquet";
  const e = await assertRejects(() => b.putIfAbsent(key, new Uint8Array([1, 2, 3])), S3Error);
  assertEquals((e as S3Error).status, 0);
  assertEquals(
    e.message,
    `Cannot PUT s3://research/${key}: cannot reach the S3 endpoint http://127.0.0.1:${port} (connection refused; WORKBENCH_S3_ENDPOINT)`,
  );
  noSecrets(e.message);
  // A list sends a query string: it is not in the message.
  const l = await assertRejects(() => b.list("lake/curated/"), S3Error);
  assert(l.message.includes(`http://127.0.0.1:${port} (connection refused`), l.message);
  assert(!l.message.includes("list-type") && !l.message.includes("?"), l.message);
  noSecrets(l.message);
  // reachable(): the same error.
  const r = await assertRejects(() => b.reachable(), S3Error);
  assert(r.message.includes(`http://127.0.0.1:${port} (connection refused`), r.message);
});

Deno.test("trial 11 #5: a host that does not resolve: 'host not found', with the endpoint's port", async () => {
  const e = await assertRejects(
    () => bucket("http://nonexistent.invalid:7480").get("lake/k"),
    S3Error,
  );
  assertEquals((e as S3Error).status, 0);
  assert(
    e.message.endsWith(
      "cannot reach the S3 endpoint http://nonexistent.invalid:7480 (host not found; WORKBENCH_S3_ENDPOINT)",
    ),
    e.message,
  );
  noSecrets(e.message);
});

Deno.test("trial 11 #5: unreachable(): Node-style codes, default ports, URLs and user info left out", () => {
  const refused = Object.assign(new TypeError("fetch failed"), {
    cause: Object.assign(new Error("connect ECONNREFUSED 10.0.0.5:9000"), { code: "ECONNREFUSED" }),
  });
  assertEquals(
    unreachable("http://10.0.0.5:9000/bucket/k?list-type=2", refused),
    "cannot reach the S3 endpoint http://10.0.0.5:9000 (connection refused; WORKBENCH_S3_ENDPOINT)",
  );
  const dns = Object.assign(new TypeError("fetch failed"), {
    cause: Object.assign(new Error("getaddrinfo ENOTFOUND s3.example"), { code: "ENOTFOUND" }),
  });
  assertEquals(
    unreachable("https://user:pw@s3.example/b/k", dns),
    "cannot reach the S3 endpoint https://s3.example:443 (host not found; WORKBENCH_S3_ENDPOINT)",
  );
  // An unknown cause is given as read, its URL removed.
  const other = Object.assign(new TypeError("fetch failed"), {
    cause: new Error("error sending request for url (http://h:1/b/k?x=1): something odd"),
  });
  assertEquals(
    unreachable("http://h:1/b/k?x=1", other),
    "cannot reach the S3 endpoint http://h:1 (error sending request: something odd; WORKBENCH_S3_ENDPOINT)",
  );
});

Deno.test("trial 11 #5: an ingest into an s3:// lake with an unreachable store fails before it reads the file", async () => {
  const port = closedPort();
  const cache = await Deno.makeTempDir({ prefix: "s3-unreachable-" });
  const vars: Record<string, string> = {
    // Never connected to: the store is checked first.
    WORKBENCH_CATALOG: "postgres://wb@127.0.0.1:1/none",
    WORKBENCH_S3_ENDPOINT: `http://127.0.0.1:${port}`,
    WORKBENCH_S3_ACCESS_KEY_ID: KEY_ID,
    WORKBENCH_S3_SECRET_ACCESS_KEY: SECRET,
    WORKBENCH_CACHE_DIR: cache,
  };
  const saved = new Map(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  for (const [k, v] of Object.entries(vars)) Deno.env.set(k, v);
  try {
    // The file does not exist: reading it first would fail with NotFound.
    const e = await assertRejects(
      () =>
        ingestBarsFile(`${cache}/missing.csv`, {
          dataset: "x",
          symbol: "MSFT",
          root: "s3://research/lake",
        }),
      S3Error,
    );
    assertEquals(
      e.message,
      `Cannot HEAD s3://research/: cannot reach the S3 endpoint http://127.0.0.1:${port} (connection refused; WORKBENCH_S3_ENDPOINT)`,
    );
  } finally {
    for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    await closeRemoteLakes();
    await Deno.remove(cache, { recursive: true });
  }
});
