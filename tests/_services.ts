/**
 * The real servers some tests need (PostgreSQL, an S3 server), found through the environment
 * that `.ci/services env` prints (`.ci/run` starts them and exports it):
 *
 * - `WORKBENCH_TEST_PG_URL` — a PostgreSQL database a test may create schemas in;
 * - `WORKBENCH_TEST_S3_ENDPOINT`, `_REGION`, `_ACCESS_KEY_ID`, `_SECRET_ACCESS_KEY` — an S3 server
 *   (radosgw on these machines) where a test may create and delete buckets.
 *
 * Outside CI a test whose server is absent is skipped with a message naming the variable (run
 * `.ci/services start` and export its output to run it); under `CI=true` it fails instead, so a
 * CI run can never pass by skipping them.
 *
 * @example
 * ```ts
 * const pg = testPg();
 * Deno.test({ name: "catalog commits", ignore: !pg.available, fn: async () => { ... pg.url ... } });
 * ```
 */

/** S3 endpoint and test keys. */
export interface TestS3 {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** A server's availability for tests. */
export interface Available<T> {
  available: boolean;
  /** Why it is absent (names the variables), or "" when available. */
  reason: string;
  value: T | null;
}

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}

const warned = new Set<string>();

function absent<T>(what: string, vars: string[]): Available<T> {
  const reason = `${what} not configured (${vars.join(", ")}); run \`.ci/services start\` and ` +
    "export what it prints to run these tests";
  if (env("CI") === "true") {
    throw new Error(`CI=true but ${reason}`);
  }
  if (!warned.has(what)) {
    warned.add(what);
    console.warn(`skipping tests that need ${what}: ${reason}`);
  }
  return { available: false, reason, value: null };
}

/** The test PostgreSQL URL, or why it is absent. */
export function testPg(): Available<string> & { url: string } {
  const url = env("WORKBENCH_TEST_PG_URL");
  if (!url) return { ...absent<string>("PostgreSQL", ["WORKBENCH_TEST_PG_URL"]), url: "" };
  return { available: true, reason: "", value: url, url };
}

/** The test S3 server, or why it is absent. */
export function testS3(): Available<TestS3> & { s3: TestS3 } {
  const vars = [
    "WORKBENCH_TEST_S3_ENDPOINT",
    "WORKBENCH_TEST_S3_ACCESS_KEY_ID",
    "WORKBENCH_TEST_S3_SECRET_ACCESS_KEY",
  ];
  const [endpoint, accessKeyId, secretAccessKey] = vars.map(env);
  if (!endpoint || !accessKeyId || !secretAccessKey) {
    const a = absent<TestS3>("an S3 server", vars);
    return { ...a, s3: { endpoint: "", region: "", accessKeyId: "", secretAccessKey: "" } };
  }
  const s3 = {
    endpoint,
    region: env("WORKBENCH_TEST_S3_REGION") ?? "us-east-1",
    accessKeyId,
    secretAccessKey,
  };
  return { available: true, reason: "", value: s3, s3 };
}

/** A short random suffix for per-test bucket, schema and prefix names (lowercase, digits). */
export function uniqueSuffix(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 12);
}
