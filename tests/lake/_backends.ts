/**
 * The lake backends the lake suite runs against: a local folder, and S3 (radosgw) + a
 * PostgreSQL catalog with a fresh bucket, catalog schema and cache folder per test (dropped
 * after). The S3 backend is skipped with a message when the servers are absent (failed under
 * CI=true, see tests/_services.ts).
 */
import {
  closeRemoteLakes,
  committedState,
  type DatasetSpec,
  PgCatalog,
  S3Bucket,
} from "../../lib/lake/mod.ts";
import { sha256Hex } from "../../lib/core/fs.ts";
import { assert, assertEquals } from "../_assert.ts";
import { Secret } from "../../lib/core/secret.ts";
import { testPg, testS3, uniqueSuffix } from "../_services.ts";

/** One lake under test. */
export interface Lake {
  /** `local` or `s3+pg`. */
  kind: string;
  /** The lake root passed to every call (`/tmp/...` or `s3://bucket/lake`). */
  root: string;
  /** Environment a subprocess writer needs (the remote settings). */
  env: Record<string, string>;
  /** Data files of the lake as stored (relative key -> bytes), independent of the code. */
  stored(): Promise<Map<string, Uint8Array>>;
  /** Replace a stored data file's bytes (relative path), bypassing the lake code. */
  tamper(rel: string, bytes: Uint8Array): Promise<void>;
  /** Delete a stored data file (relative path), bypassing the lake code. */
  remove(rel: string): Promise<void>;
  /** Forget local cached copies (remote) so the next read fetches from the store. */
  dropCache(): Promise<void>;
  /** How errors and reports name a stored file (relative path): its path, or its s3:// address. */
  addr(rel: string): string;
  /** The local folder that holds the lake's files (the root, or the remote lake's mirror). */
  local: string;
  /** A dataset's committed manifest entries as stored (file log or catalog rows), as JSON. */
  manifestText(dataset: string): Promise<string>;
}

/** Backend names with whether they can run here. */
export function backends(): { kind: string; ignore: boolean }[] {
  const pg = testPg();
  const s3 = testS3();
  return [
    { kind: "local", ignore: false },
    { kind: "s3+pg", ignore: !(pg.available && s3.available) },
  ];
}

async function walk(dir: string, base = dir, out = new Map<string, Uint8Array>()) {
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory && e.name !== "_meta") await walk(p, base, out);
    else if (e.isFile && e.name.endsWith(".parquet") && !e.name.startsWith(".")) {
      out.set(p.slice(base.length + 1), await Deno.readFile(p));
    }
  }
  return out;
}

const REMOTE_VARS = [
  "WORKBENCH_CATALOG",
  "WORKBENCH_S3_ENDPOINT",
  "WORKBENCH_S3_REGION",
  "WORKBENCH_S3_PATH_STYLE",
  "WORKBENCH_S3_ACCESS_KEY_ID",
  "WORKBENCH_S3_SECRET_ACCESS_KEY",
  "WORKBENCH_CACHE_DIR",
  "WORKBENCH_S3_DELETE_GRACE_S",
];

/** Run `fn` with a fresh lake of the given kind, removed afterwards. */
export async function withBackend(kind: string, fn: (lake: Lake) => Promise<void>) {
  if (kind === "local") {
    const root = await Deno.makeTempDir({ prefix: "lake-be-" });
    try {
      await fn({
        kind,
        root,
        env: {},
        stored: () => walk(root),
        tamper: (rel, bytes) => Deno.writeFile(`${root}/${rel}`, bytes),
        remove: (rel) => Deno.remove(`${root}/${rel}`),
        dropCache: () => Promise.resolve(),
        local: root,
        addr: (rel) => `${root}/${rel}`,
        manifestText: async (ds) => {
          try {
            return await Deno.readTextFile(`${root}/_meta/${ds}/manifest.jsonl`);
          } catch (e) {
            if (e instanceof Deno.errors.NotFound) return "";
            throw e;
          }
        },
      });
    } finally {
      await Deno.remove(root, { recursive: true });
    }
    return;
  }
  const pg = testPg();
  const s3 = testS3().s3;
  const sfx = uniqueSuffix();
  const cache = await Deno.makeTempDir({ prefix: "lake-cache-" });
  const env: Record<string, string> = {
    // Replaced objects are deleted at once here, so that "stored = committed" holds right after
    // a write; the deferred deletion has its own tests (snapshot_test.ts).
    WORKBENCH_S3_DELETE_GRACE_S: "0",
    WORKBENCH_CATALOG: `${pg.url}?schema=lake_${sfx}`,
    WORKBENCH_S3_ENDPOINT: s3.endpoint,
    WORKBENCH_S3_REGION: s3.region,
    WORKBENCH_S3_PATH_STYLE: "true",
    WORKBENCH_S3_ACCESS_KEY_ID: s3.accessKeyId,
    WORKBENCH_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    WORKBENCH_CACHE_DIR: cache,
  };
  const saved = new Map(REMOTE_VARS.map((v) => [v, Deno.env.get(v)]));
  for (const [k, v] of Object.entries(env)) Deno.env.set(k, v);
  const bucket = new S3Bucket(`wb-lake-${sfx}`, {
    endpoint: s3.endpoint,
    region: s3.region,
    pathStyle: true,
    accessKeyId: new Secret(s3.accessKeyId),
    secretAccessKey: new Secret(s3.secretAccessKey),
  });
  await bucket.create();
  const root = `s3://wb-lake-${sfx}/lake`;
  const mirror = () => {
    const host = new URL(s3.endpoint).host.replace(/[^A-Za-z0-9.-]/g, "_");
    return `${cache}/s3/${host}/wb-lake-${sfx}/lake`;
  };
  try {
    await fn({
      kind,
      root,
      env,
      stored: async () => {
        const out = new Map<string, Uint8Array>();
        for (const o of await bucket.list("lake/")) {
          out.set(o.key.slice("lake/".length), (await bucket.get(o.key))!);
        }
        return out;
      },
      tamper: (rel, bytes) => bucket.put(`lake/${rel}`, bytes),
      remove: (rel) => bucket.delete(`lake/${rel}`),
      dropCache: async () => {
        const m = mirror();
        for (const [rel] of await walk(m).catch(() => new Map())) await Deno.remove(`${m}/${rel}`);
      },
      local: mirror(),
      addr: (rel) => `s3://wb-lake-${sfx}/lake/${rel}`,
      manifestText: async (ds) => {
        const cat = new PgCatalog(env.WORKBENCH_CATALOG!);
        try {
          return (await cat.entries(ds)).map((e) => JSON.stringify(e)).join("\n");
        } finally {
          await cat.close();
        }
      },
    });
  } finally {
    await closeRemoteLakes();
    const cat = new PgCatalog(env.WORKBENCH_CATALOG!);
    await cat.dropSchema();
    await cat.close();
    await bucket.destroy();
    await Deno.remove(cache, { recursive: true });
    for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  }
}

/**
 * Register a lake test on every backend (`[local] name`, `[s3+pg] name`); `only` restricts it to
 * some (a test inherently about local folders says why where it is registered).
 */
export function lakeTest(
  name: string,
  fn: (lake: Lake) => Promise<void>,
  only?: string[],
): void {
  for (const b of backends()) {
    if (only && !only.includes(b.kind)) continue;
    Deno.test({
      name: `[${b.kind}] ${name}`,
      ignore: b.ignore,
      sanitizeResources: false,
      sanitizeOps: false,
      fn: () => withBackend(b.kind, fn),
    });
  }
}

/** A Deno subprocess with the lake's environment (stdout and stderr piped). */
export function runProc(lake: Lake, args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", ...args],
    env: lake.env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/**
 * Every committed file's stored bytes hash to its recorded sha256, and (when `exact`) nothing
 * else of the dataset is stored. A writer killed after uploading but before its commit leaves
 * unreferenced objects on S3 (invisible to readers; `verify` reports them): check with `exact`
 * false there.
 */
export async function assertStoredMatchesState(
  lake: Lake,
  spec: DatasetSpec,
  exact = true,
): Promise<void> {
  const ds = `${spec.zone}/${spec.source}/${spec.dataset}`;
  const st = await committedState(spec, lake.root);
  const stored = new Map(
    [...(await lake.stored())].filter(([k]) => k.startsWith(`${ds}/`)),
  );
  const want = new Map(
    st.files.map((f) => [`${ds}/${f.partition ? `${f.partition}/` : ""}${f.file}`, f.sha256]),
  );
  if (exact) {
    assertEquals([...stored.keys()].sort(), [...want.keys()].sort(), "stored files = committed");
  }
  for (const [k, sha] of want) {
    const bytes = stored.get(k);
    assert(bytes, `committed file ${k} is stored`);
    assertEquals(await sha256Hex(bytes), sha, k);
  }
}
