// lake-migrate copies files `parallel` at a time, keeping its guarantees. A recording HTTP proxy
// in front of radosgw counts the PUTs in flight (each forwarded after a short delay, so copies
// that may overlap do): the expectation is an overlap of 2..parallel, never more, and 1 with
// `parallel: 1`. The bytes in the bucket are compared with the source files, hashed here.
import http from "node:http";
import pl from "nodejs-polars";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { committedState, type DatasetSpec, writeDataset } from "../../lib/lake/mod.ts";
import { migrateLake, type MigrateProgress } from "../../lib/lake/migrate.ts";
import { sha256Hex } from "../../lib/core/fs.ts";
import { backends, withBackend } from "./_backends.ts";

const W = { transformId: "test@1", sourceUri: "test://unit", ingestedAt: new Date(0) };
/** One file per session: `n` daily rows give `n` partitions, so `n` files. */
const PER_DAY: DatasetSpec = {
  zone: "raw",
  source: "test",
  dataset: "per_day",
  partitioning: "date",
  timeColumn: "ts",
  naturalKey: ["ts"],
  schema: { ts: "ts_ms", v: "f64" },
};

function days(n: number, v0 = 0): pl.DataFrame {
  const ts = Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 2) + i * 86_400_000);
  return pl.DataFrame([
    pl.Series("ts", ts).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
    pl.Series("v", ts.map((_, i) => v0 + i * 0.5)),
  ]);
}

/** A forwarding proxy that delays each request by `delayMs` and records PUTs in flight. */
async function recordingProxy(target: string, delayMs: number) {
  const t = new URL(target);
  let inFlight = 0;
  const stats = { maxPuts: 0, puts: 0 };
  const server = http.createServer((req, res) => {
    const put = req.method === "PUT";
    if (put) {
      stats.puts++;
      stats.maxPuts = Math.max(stats.maxPuts, ++inFlight);
    }
    const body: Uint8Array[] = [];
    req.on("data", (c: Uint8Array) => body.push(c));
    req.on("end", () =>
      setTimeout(() => {
        const up = http.request({
          host: t.hostname,
          port: Number(t.port),
          method: req.method,
          path: req.url,
          headers: req.headers,
        }, (ur) => {
          res.writeHead(ur.statusCode ?? 502, ur.headers);
          ur.pipe(res);
          ur.on("end", () => {
            if (put) inFlight--;
          });
        });
        up.on("error", () => {
          if (put) inFlight--;
          res.writeHead(502);
          res.end();
        });
        for (const c of body) up.write(c);
        up.end();
      }, delayMs));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function sourceFiles(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory && e.name !== "_meta") await walk(p);
      else if (e.isFile && e.name.endsWith(".parquet")) {
        out.set(p.slice(root.length + 1), await sha256Hex(await Deno.readFile(p)));
      }
    }
  };
  await walk(root);
  return out;
}

const s3 = backends().find((b) => b.kind === "s3+pg")!;

Deno.test({
  name: "lake-migrate --parallel: PUTs overlap up to the bound, same bytes, rerun copies nothing",
  ignore: s3.ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withBackend("s3+pg", async (lake) => {
      const src = await Deno.makeTempDir({ prefix: "mig-par-" });
      const proxy = await recordingProxy(lake.env.WORKBENCH_S3_ENDPOINT!, 40);
      try {
        await writeDataset(PER_DAY, days(40), { ...W, root: src });
        const files = await sourceFiles(src);
        assertEquals(files.size, 40);
        Deno.env.set("WORKBENCH_S3_ENDPOINT", proxy.url);
        const seen: MigrateProgress[] = [];
        const moved = await migrateLake(src, lake.root, {
          parallel: 4,
          onFile: (p) => seen.push(p),
        });
        assertEquals(moved.length, 1);
        assertEquals(moved[0]!.copied, 40);
        assertEquals(proxy.stats.puts, 40);
        assert(proxy.stats.maxPuts >= 2, `max PUTs in flight ${proxy.stats.maxPuts}, expected 2-4`);
        assert(proxy.stats.maxPuts <= 4, `max PUTs in flight ${proxy.stats.maxPuts}, bound is 4`);
        // Progress: one call per file, counting up to 40, bytes summing the source files.
        assertEquals(seen.map((p) => p.files), Array.from({ length: 40 }, (_, i) => i + 1));
        assertEquals(seen.at(-1)!.totalFiles, 40);
        let bytes = 0;
        for (const rel of files.keys()) bytes += (await Deno.stat(`${src}/${rel}`)).size;
        assertEquals(seen.at(-1)!.bytes, bytes);
        const stored = await lake.stored();
        assertEquals(stored.size, 40);
        for (const [k, b] of stored) assertEquals(await sha256Hex(b), files.get(k), k);
        assertEquals((await committedState(PER_DAY, lake.root)).entries, 1);
        // A rerun writes nothing (every PUT answered 412) and commits nothing new.
        const before = proxy.stats.puts;
        const again = await migrateLake(src, lake.root, { parallel: 4 });
        assert(again.every((d) => d.skipped && d.copied === 0), JSON.stringify(again));
        assertEquals(proxy.stats.puts - before, 40);
        // parallel 1: one at a time.
        proxy.stats.maxPuts = 0;
        await migrateLake(src, lake.root, { parallel: 1 });
        assertEquals(proxy.stats.maxPuts, 1);
        await assertRejects(() => migrateLake(src, lake.root, { parallel: 0 }), RangeError);
      } finally {
        await proxy.close();
        await Deno.remove(src, { recursive: true });
      }
    }),
});

Deno.test({
  name: "lake-migrate --parallel: a changed file in one dataset commits none of its entries",
  ignore: s3.ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withBackend("s3+pg", async (lake) => {
      const src = await Deno.makeTempDir({ prefix: "mig-par-bad-" });
      try {
        await writeDataset(PER_DAY, days(30), { ...W, root: src });
        // The 20th file (of 30) is changed on disk: 8 copies are in flight around it.
        const rels = [...(await sourceFiles(src)).keys()].sort();
        const bad = `${src}/${rels[19]}`;
        const bytes = await Deno.readFile(bad);
        bytes[40] = bytes[40]! ^ 0xff;
        await Deno.writeFile(bad, bytes);
        await assertRejects(() => migrateLake(src, lake.root, { parallel: 8 }), Error, "sha256");
        assertEquals((await committedState(PER_DAY, lake.root)).entries, 0);
      } finally {
        await Deno.remove(src, { recursive: true });
      }
    }),
});
