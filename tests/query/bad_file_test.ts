/**
 * One damaged file does not take the views down (trial 11 finding 2): a committed file that is
 * truncated, changed or deleted is left out of the views, with a warning naming the dataset, the
 * file and the cause and `deno task verify --repair`; the other files of its dataset and the
 * other datasets are still read. A view with nothing sound left fails naming why (never "table
 * does not exist"). On an s3:// lake a missing object is skipped the same way, while a store
 * failure (a wrong secret key: HTTP 403) fails naming that cause instead of dropping every file.
 *
 * Expected row counts come from the CSV files the test writes (rows per year), not from a read
 * of the lake.
 */
import { ingestBarsFile } from "../../lib/ingest/user_file.ts";
import { Catalog, type SkippedFile } from "../../lib/query/mod.ts";
import { clearVerifiedCache } from "../../lib/lake/integrity.ts";
import { closeRemoteLakes } from "../../lib/lake/mod.ts";
import { assert, assertEquals } from "../_assert.ts";
import { runTaskIn } from "../_task_run.ts";
import { backends, type Lake, withBackend } from "../lake/_backends.ts";

/** Daily bars of one symbol (ingested with calendar none: every date kept): `perYear` sessions in each of the years (one file per year). */
function csv(years: number[], perYear: number, base: number): string {
  const lines = ["date,open,high,low,close,volume"];
  const days = ["01-05", "02-06", "03-07", "04-08", "05-09", "06-10"].slice(0, perYear);
  for (const y of years) {
    for (const d of days) {
      const c = base + y - 2000;
      lines.push(`${y}-${d},${c},${c + 1},${c - 1},${c},100`);
    }
  }
  return lines.join("\n") + "\n";
}

/** Two user datasets: `alpha` (2019, 2020, 2021; 3 rows each), `beta` (2020, 2021; 4 rows each). */
async function twoDatasets(root: string, dir: string): Promise<void> {
  await Deno.writeTextFile(`${dir}/alpha.csv`, csv([2019, 2020, 2021], 3, 10));
  await Deno.writeTextFile(`${dir}/beta.csv`, csv([2020, 2021], 4, 50));
  await ingestBarsFile(`${dir}/alpha.csv`, {
    dataset: "alpha",
    symbol: "AAA",
    root,
    calendar: "none",
  });
  await ingestBarsFile(`${dir}/beta.csv`, {
    dataset: "beta",
    symbol: "BBB",
    root,
    calendar: "none",
  });
}

/** The one committed data file of a user dataset's year, relative to the lake's local folder. */
async function fileOf(local: string, dataset: string, year: number): Promise<string> {
  const dir = `curated/user/${dataset}/year=${year}`;
  const names: string[] = [];
  for await (const e of Deno.readDir(`${local}/${dir}`)) {
    if (e.isFile && e.name.endsWith(".parquet")) names.push(e.name);
  }
  assertEquals(names.length, 1, `${dir}: ${names.join(", ")}`);
  return `${dir}/${names[0]}`;
}

async function counts(c: Catalog, view = "user_daily_bars"): Promise<Record<string, number>> {
  const r = await c.query(
    `SELECT dataset, count(*)::INT AS n FROM ${view} GROUP BY 1 ORDER BY 1`,
  );
  return Object.fromEntries(r.rows.map((x) => [x.dataset as string, x.n as number]));
}

async function opened(root: string): Promise<{ c: Catalog; told: SkippedFile[] }> {
  const told: SkippedFile[] = [];
  const c = await Catalog.open({ root, onSkipped: (s) => told.push(s) });
  return { c, told };
}

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "bad-file-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const { kind, ignore } of backends()) {
  const test = (name: string, fn: (lake: Lake, dir: string) => Promise<void>) =>
    Deno.test({
      name: `[${kind}] ${name}`,
      ignore,
      sanitizeResources: false,
      sanitizeOps: false,
      fn: () => withBackend(kind, (lake) => withDir((dir) => fn(lake, dir))),
    });

  test(
    "a truncated file of one dataset is left out with a warning; the rest is read",
    async (lake, dir) => {
      await twoDatasets(lake.root, dir);
      const bad = await fileOf(lake.local, "alpha", 2020);
      const bytes = (await lake.stored()).get(bad)!;
      await lake.tamper(bad, bytes.slice(0, Math.floor(bytes.length / 2)));
      await lake.dropCache();
      clearVerifiedCache();
      const { c, told } = await opened(lake.root);
      try {
        // alpha keeps 2019 and 2021 (3 + 3), beta all of 2020 and 2021 (4 + 4).
        assertEquals(await counts(c), { alpha: 6, beta: 8 });
        assertEquals(await counts(c, "user_daily_bars_versions"), { alpha: 6, beta: 8 });
        const asof = await c.query(
          "SELECT count(*)::INT AS n FROM user_daily_bars_asof(TIMESTAMPTZ '2100-01-01 00:00:00+00')",
        );
        assertEquals(asof.rows[0]!.n, 14);
        assertEquals(told.length, 1, JSON.stringify(told));
        assertEquals(told[0]!.dataset, "curated/user/alpha");
        assertEquals(told[0]!.file, lake.addr(bad));
        assert(["size", "checksum"].includes(told[0]!.reason), told[0]!.reason);
        const w = c.warnings()[0]!;
        assert(w.includes("curated/user/alpha") && w.includes(lake.addr(bad)), w);
        assert(w.includes("deno task verify --repair"), w);
        const v = c.views.find((x) => x.name === "user_daily_bars")!;
        assertEquals([v.available, v.skipped], [true, 1]);
      } finally {
        c.close();
        await closeRemoteLakes();
      }
    },
  );

  test(
    "a deleted file is left out with a warning; the other dataset is whole",
    async (lake, dir) => {
      await twoDatasets(lake.root, dir);
      const gone = await fileOf(lake.local, "beta", 2021);
      await lake.remove(gone);
      await lake.dropCache();
      clearVerifiedCache();
      const { c, told } = await opened(lake.root);
      try {
        assertEquals(await counts(c), { alpha: 9, beta: 4 });
        assertEquals(told.map((s) => [s.dataset, s.file, s.reason]), [
          ["curated/user/beta", lake.addr(gone), "missing"],
        ]);
        assert(/missing/.test(told[0]!.cause), told[0]!.cause);
      } finally {
        c.close();
        await closeRemoteLakes();
      }
    },
  );

  test(
    "every file of the only dataset damaged: the query names the files, not 'does not exist'",
    async (lake, dir) => {
      await Deno.writeTextFile(`${dir}/alpha.csv`, csv([2019, 2020], 2, 10));
      await ingestBarsFile(`${dir}/alpha.csv`, {
        dataset: "alpha",
        symbol: "AAA",
        root: lake.root,
        calendar: "none",
      });
      const files = [
        await fileOf(lake.local, "alpha", 2019),
        await fileOf(lake.local, "alpha", 2020),
      ];
      await lake.tamper(files[0]!, new TextEncoder().encode("not parquet"));
      await lake.remove(files[1]!);
      await lake.dropCache();
      clearVerifiedCache();
      const { c, told } = await opened(lake.root);
      try {
        assertEquals(told.length, 2);
        for (const view of ["user_daily_bars", "user_daily_bars_versions"]) {
          let msg = "";
          try {
            await c.query(`SELECT count(*) FROM ${view}`);
          } catch (e) {
            msg = (e as Error).message;
          }
          assert(msg !== "", `${view}: the query should fail`);
          assert(!/does not exist|pg_database/.test(msg), msg);
          assert(msg.includes(`view ${view} is unavailable`), msg);
          assert(msg.includes("curated/user/alpha") && msg.includes("damaged"), msg);
          assert(msg.includes("deno task verify --repair"), msg);
        }
      } finally {
        c.close();
        await closeRemoteLakes();
      }
    },
  );
}

Deno.test({
  name: "[local] query task: a truncated file is named on stderr and the other rows are printed",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withDir(async (dir) => {
      const root = `${dir}/lake`;
      await twoDatasets(root, dir);
      const bad = await fileOf(root, "beta", 2020);
      await Deno.truncate(`${root}/${bad}`, 100);
      const r = await runTaskIn(
        "query",
        [
          "SELECT dataset, count(*)::INT AS n FROM user_daily_bars GROUP BY 1 ORDER BY 1",
          "--format",
          "csv",
        ],
        root,
        dir,
      );
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout.trim().split("\n"), ["dataset,n", "alpha,9", "beta,4"]);
      assert(r.stderr.includes(`warning: curated/user/beta: file ${root}/${bad}`), r.stderr);
      assert(r.stderr.includes("deno task verify --repair"), r.stderr);
      const v = await runTaskIn("query", ["--views"], root, dir);
      assertEquals(v.code, 0, v.stderr);
      assert(v.stdout.includes("user_daily_bars  [1 damaged file left out]"), v.stdout);
      assert(v.stderr.includes(`${root}/${bad}`), v.stderr);
    }),
});

const remote = backends().find((b) => b.kind === "s3+pg")!;
Deno.test({
  name: "[s3+pg] a wrong secret key fails the query naming the 403, not 'does not exist'",
  ignore: remote.ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withBackend("s3+pg", (lake) =>
      withDir(async (dir) => {
        await twoDatasets(lake.root, dir);
        await lake.dropCache();
        clearVerifiedCache();
        await closeRemoteLakes();
        const secret = "WRONGsecretQBF0123456789";
        const r = await new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            "--frozen",
            new URL("../../tasks/query.ts", import.meta.url).pathname,
            "SELECT count(*) FROM user_daily_bars",
          ],
          env: {
            ...lake.env,
            WORKBENCH_DATA: lake.root,
            TZ: "UTC",
            WORKBENCH_DEBUG: "0",
            WORKBENCH_S3_SECRET_ACCESS_KEY: secret,
          },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const err = new TextDecoder().decode(r.stderr);
        assertEquals(r.code, 1, err);
        assert(/HTTP 403/.test(err), err);
        assert(err.includes("view user_daily_bars is unavailable"), err);
        assert(!/does not exist|pg_database/.test(err), err);
        assert(!err.includes("left out of the views"), err);
        assert(!err.includes(secret) && !err.includes("QBF0123"), "secret in the output");
      })),
});
