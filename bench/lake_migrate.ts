/**
 * lake-migrate throughput: files/s copying a lake of many small files from a local folder to the
 * S3 lake (radosgw + PostgreSQL catalog from the WORKBENCH_TEST_* settings), at each `--parallel`
 * of MIGRATE_BENCH_PARALLEL (default "1,8"), each into a fresh bucket prefix and catalog schema.
 *
 * MIGRATE_BENCH_FILES (default 1000) one-row-per-day files, ~1 KB each, in 4 datasets.
 *
 * @example
 * ```sh
 * set -a; . ./services.env; set +a; deno run -A --frozen bench/lake_migrate.ts
 * ```
 */
import pl from "nodejs-polars";
import {
  closeRemoteLakes,
  type DatasetSpec,
  PgCatalog,
  S3Bucket,
  writeDataset,
} from "../lib/lake/mod.ts";
import { migrateLake } from "../lib/lake/migrate.ts";
import { Secret } from "../lib/core/secret.ts";
import { envInteger } from "../lib/cli/mod.ts";

const files = envInteger("MIGRATE_BENCH_FILES", 1000, 4);
const levels = (Deno.env.get("MIGRATE_BENCH_PARALLEL") ?? "1,8").split(",").map(Number);
const pgUrl = Deno.env.get("WORKBENCH_TEST_PG_URL");
const endpoint = Deno.env.get("WORKBENCH_TEST_S3_ENDPOINT");
if (!pgUrl || !endpoint) {
  console.error("bench/lake_migrate.ts needs WORKBENCH_TEST_PG_URL and WORKBENCH_TEST_S3_*");
  Deno.exit(2);
}
const s3 = {
  endpoint,
  region: Deno.env.get("WORKBENCH_TEST_S3_REGION") ?? "us-east-1",
  accessKeyId: Deno.env.get("WORKBENCH_TEST_S3_ACCESS_KEY_ID")!,
  secretAccessKey: Deno.env.get("WORKBENCH_TEST_S3_SECRET_ACCESS_KEY")!,
};
const src = await Deno.makeTempDir({ prefix: "bench-mig-" });
const per = Math.ceil(files / 4);
for (let k = 0; k < 4; k++) {
  const spec: DatasetSpec = {
    zone: "raw",
    source: "bench",
    dataset: `per_day_${k}`,
    partitioning: "date",
    timeColumn: "ts",
    naturalKey: ["ts"],
    schema: { ts: "ts_ms", v: "f64" },
  };
  const ts = Array.from({ length: per }, (_, i) => Date.UTC(2020, 0, 1) + i * 86_400_000);
  await writeDataset(
    spec,
    pl.DataFrame([
      pl.Series("ts", ts).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
      pl.Series("v", ts.map((_, i) => i + k)),
    ]),
    { root: src, transformId: "bench@1", sourceUri: "bench://", ingestedAt: new Date(0) },
  );
}
const sfx = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const bucket = new S3Bucket(`wb-mig-bench-${sfx}`, {
  endpoint: s3.endpoint,
  region: s3.region,
  pathStyle: true,
  accessKeyId: new Secret(s3.accessKeyId),
  secretAccessKey: new Secret(s3.secretAccessKey),
});
await bucket.create();
const cache = await Deno.makeTempDir({ prefix: "bench-mig-cache-" });
Deno.env.set("WORKBENCH_S3_ENDPOINT", s3.endpoint);
Deno.env.set("WORKBENCH_S3_REGION", s3.region);
Deno.env.set("WORKBENCH_S3_PATH_STYLE", "true");
Deno.env.set("WORKBENCH_S3_ACCESS_KEY_ID", s3.accessKeyId);
Deno.env.set("WORKBENCH_S3_SECRET_ACCESS_KEY", s3.secretAccessKey);
Deno.env.set("WORKBENCH_CACHE_DIR", cache);
const schemas: string[] = [];
try {
  for (const parallel of levels) {
    const schema = `migbench_${sfx}_${parallel}`;
    schemas.push(schema);
    Deno.env.set("WORKBENCH_CATALOG", `${pgUrl}?schema=${schema}`);
    const t0 = performance.now();
    const moved = await migrateLake(src, `s3://${bucket.bucket}/p${parallel}`, { parallel });
    const s = (performance.now() - t0) / 1000;
    const n = moved.reduce((a, d) => a + d.copied, 0);
    const load = Deno.loadavg()[0]!.toFixed(1);
    console.log(
      `parallel ${parallel}: ${n} files in ${s.toFixed(1)} s = ${
        (n / s).toFixed(1)
      } files/s (load ${load})`,
    );
    await closeRemoteLakes();
  }
} finally {
  await closeRemoteLakes();
  for (const schema of schemas) {
    const cat = new PgCatalog(`${pgUrl}?schema=${schema}`);
    await cat.dropSchema();
    await cat.close();
  }
  await bucket.destroy();
  await Deno.remove(src, { recursive: true });
  await Deno.remove(cache, { recursive: true });
}
