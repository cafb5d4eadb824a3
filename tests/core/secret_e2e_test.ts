// End to end: a backfill against the simulated market through a hostile vendor front (error
// bodies echoing the key's prefix, lower-cased key and the Authorization header; a redirect to
// another origin carrying the upper-cased key), with a planted key and a userinfo password in the
// base URL. Asserts that no 8-character piece of either, in any case, is in stdout, stderr, any
// lake file's bytes, or any decoded value of any Parquet file in the lake.
import { DuckDBInstance } from "@duckdb/node-api";
import { startSimServer } from "../../lib/sources/sim/server.ts";
import { assert, assertEquals } from "../_assert.ts";
import { leakedPieces, leakingFiles } from "./_secret_scan.ts";

const KEY = "e2eKey_Qm3Xv8Lr2Tz9Wp5Nb7Hd4";
const PW = "e2ePw_Jk8Lm2Nq7Rs4";

function parquetFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) walk(p);
      else if (e.name.endsWith(".parquet")) out.push(p);
    }
  };
  walk(dir);
  return out;
}

Deno.test({
  name: "a backfill through a hostile vendor leaves no piece of the key or password anywhere",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const sim = await startSimServer({ seed: 7 });
    const thief = { hits: 0 };
    const thiefAc = new AbortController();
    const thiefServer = Deno.serve(
      { port: 0, hostname: "127.0.0.1", signal: thiefAc.signal, onListen() {} },
      () => {
        thief.hits++;
        return Response.json({ status: "OK", results: [] });
      },
    );
    let n = 0;
    let redirected = 0;
    const ac = new AbortController();
    const front = Deno.serve(
      { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen() {} },
      async (req) => {
        n++;
        const u = new URL(req.url);
        if (n % 4 === 2) {
          return Response.json({
            status: "ERROR",
            error: `Unknown API Key '${KEY.slice(0, 13)}...' (${KEY.toLowerCase()}); auth ${
              req.headers.get("authorization")
            }; url ${req.url}`,
          }, { status: 500 });
        }
        if (u.pathname.includes("/range/") && redirected === 0) {
          redirected++;
          return new Response(null, {
            status: 302,
            headers: {
              location: `http://127.0.0.1:${thiefServer.addr.port}/steal?x=${KEY.toUpperCase()}`,
            },
          });
        }
        const r = await fetch(`${sim.baseUrl}${u.pathname}${u.search}`);
        return new Response(await r.arrayBuffer(), { status: r.status, headers: r.headers });
      },
    );
    const base = await Deno.makeTempDir({ prefix: "secret-e2e-" });
    const root = `${base}/lake`;
    const outputs: string[] = [];
    const env = {
      WORKBENCH_DATA: root,
      WORKBENCH_USE_SIM: "false",
      POLYGON_BASE_URL: `http://bob:${PW}@127.0.0.1:${front.addr.port}`,
      POLYGON_API_KEY: KEY,
      WORKBENCH_LOG_LEVEL: "debug",
    };
    const task = async (name: string, ...args: string[]) => {
      const o = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", new URL(`../../tasks/${name}.ts`, import.meta.url).pathname, ...args],
        env,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const out = new TextDecoder().decode(o.stdout);
      const err = new TextDecoder().decode(o.stderr);
      outputs.push(out, err);
      return { code: o.code, out, err };
    };
    try {
      const args = [
        "--source",
        "polygon",
        "--dataset",
        "stock_bars_minute",
        "--symbols",
        "SPY,QQQ",
        "--start",
        "2024-03-04",
        "--end",
        "2024-03-08",
        "--no-quality",
      ];
      const first = await task("backfill", ...args);
      // The refused redirect fails one unit for good; a resume finishes the job.
      const second = await task("backfill", ...args, "--resume");
      assertEquals(second.code, 0, second.out + second.err);
      assertEquals(thief.hits, 0, "the other origin was never contacted");
      // The refusal was reported (so the scanned outputs hold the hostile paths' messages).
      assert(
        (first.out + first.err).includes("carries a credential"),
        first.out + first.err,
      );
      const q = await task("query", "SELECT count(*) AS n FROM vendor_stock_bars");
      assertEquals(q.code, 0, q.err);
      // Outputs.
      for (const text of outputs) {
        assertEquals(leakedPieces(text, KEY), [], text.slice(0, 2000));
        assertEquals(leakedPieces(text, PW), [], text.slice(0, 2000));
      }
      // Every lake file's bytes (manifests, checkpoints, logs, Parquet).
      assertEquals(leakingFiles(base, KEY), []);
      assertEquals(leakingFiles(base, PW), []);
      // Every decoded value of every Parquet file (string columns are compressed on disk).
      const files = parquetFiles(root);
      assert(files.length >= 4, `only ${files.length} Parquet files`);
      const db = await DuckDBInstance.create(":memory:");
      const c = await db.connect();
      let rows = 0;
      let lineage = 0;
      try {
        for (const f of files) {
          const r = await c.runAndReadAll(
            `SELECT * FROM read_parquet('${f.replaceAll("'", "''")}')`,
          );
          const data = r.getRowObjectsJS();
          rows += data.length;
          const text = JSON.stringify(data, (_k, v) => typeof v === "bigint" ? String(v) : v);
          assertEquals(leakedPieces(text, KEY), [], f);
          assertEquals(leakedPieces(text, PW), [], f);
          if (text.includes(`127.0.0.1:${front.addr.port}/v2/aggs`)) lineage++;
        }
      } finally {
        c.closeSync();
        db.closeSync();
      }
      assert(rows > 1000, `${rows} rows scanned`);
      assert(lineage > 0, "source_uri lineage (the request without secrets) was among the values");
      console.log(
        `scanned ${outputs.length} outputs, ${files.length} Parquet files (${rows} rows), front served ${n} requests`,
      );
    } finally {
      ac.abort();
      thiefAc.abort();
      await front.finished;
      await thiefServer.finished;
      await sim.close();
      await Deno.remove(base, { recursive: true });
    }
  },
});
