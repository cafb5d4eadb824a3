/**
 * Watermarks follow the checkpoint: a failure (or a kill) between the checkpoint append and the
 * watermark update, or a lost or damaged watermark file, is repaired by the next run of the job.
 */
import { Secret } from "../../lib/core/secret.ts";
import { setLogSink } from "../../lib/core/log.ts";
import { datasetState } from "../../lib/lake/mod.ts";
import { PolygonClient } from "../../lib/sources/polygon.ts";
import { runBackfill } from "../../lib/ingest/backfill.ts";
import { readCheckpoint } from "../../lib/ingest/checkpoint.ts";
import { readWatermarks } from "../../lib/ingest/watermark.ts";
import { polygonBarPipeline } from "../../lib/ingest/pipelines/polygon_bars.ts";
import { assert, assertEquals } from "../_assert.ts";
import { FAKE_KEY, startFixture } from "./_fixture_server.ts";

const FAST = { backoffBaseMs: 1, backoffMaxMs: 5, timeoutMs: 500, maxRetries: 6 };
const JOB = [{ symbols: ["SPY", "QQQ"], start: "2024-01-02", end: "2024-01-05" }];

async function run(root: string, baseUrl: string, resume: boolean) {
  const client = new PolygonClient({ baseUrl, apiKey: new Secret(FAKE_KEY), httpOptions: FAST });
  const pipeline = polygonBarPipeline("stock", "minute");
  return await runBackfill(JOB.map((j) => ({ pipeline, ...j })), {
    clients: { polygon: client },
    root,
    workers: 2,
    resume,
    jobId: "wm-test",
    quality: false,
  });
}

Deno.test("a failure between the checkpoint append and the watermark update is repaired by the resumed run", async () => {
  const root = Deno.makeTempDirSync({ prefix: "wm-" });
  const fx = startFixture({ pageSize: 500 });
  const lines: string[] = [];
  const prev = setLogSink((l) => lines.push(l));
  try {
    // The watermarks folder is a file: every watermark update fails after its checkpoint append,
    // which is where a kill between the two leaves a job.
    const wmDir = `${root}/_meta/ingest/watermarks`;
    Deno.mkdirSync(`${root}/_meta/ingest`, { recursive: true });
    Deno.writeTextFileSync(wmDir, "not a folder");
    const first = await run(root, fx.baseUrl, false);
    assertEquals(first.units, { total: 8, done: 8, failed: 0, skipped: 0 });
    assertEquals(readCheckpoint("wm-test", root).filter((e) => e.status === "done").length, 8);
    assertEquals(
      datasetState(polygonBarPipeline("stock", "minute").curatedSpec, root).watermark,
      null,
    );
    assert(lines.some((l) => l.includes("backfill.watermark.failed")));
    // The folder comes back (with a stale temporary of a killed atomic write in it).
    Deno.removeSync(wmDir);
    Deno.mkdirSync(wmDir);
    const stale = `${wmDir}/polygon__stock_bars_minute.json.dead0000.tmp`;
    Deno.writeTextFileSync(stale, "{");
    const old = new Date(Date.now() - 3_600_000);
    Deno.utimeSync(stale, old, old);
    const requests = fx.requests.length;
    const again = await run(root, fx.baseUrl, true);
    assertEquals(again.units, { total: 8, done: 0, failed: 0, skipped: 8 });
    assertEquals(fx.requests.length, requests); // nothing refetched
    assertEquals(readWatermarks("polygon", "stock_bars_minute", root), {
      QQQ: "2024-01-05",
      SPY: "2024-01-05",
    });
    assertEquals(
      datasetState(polygonBarPipeline("stock", "minute").curatedSpec, root).watermark,
      "2024-01-05",
    );
    assertEquals([...Deno.readDirSync(wmDir)].map((e) => e.name), [
      "polygon__stock_bars_minute.json",
    ]);
  } finally {
    setLogSink(prev);
    await fx.close();
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("a damaged watermark file is reported with its path and rebuilt from the checkpoint", async () => {
  const root = Deno.makeTempDirSync({ prefix: "wm-" });
  const fx = startFixture({ pageSize: 500 });
  const lines: string[] = [];
  const prev = setLogSink((l) => lines.push(l));
  try {
    await run(root, fx.baseUrl, false);
    const file = `${root}/_meta/ingest/watermarks/polygon__stock_bars_minute.json`;
    Deno.writeTextFileSync(file, '{"SPY": "2024-01-0');
    assertEquals(readWatermarks("polygon", "stock_bars_minute", root), {});
    assert(lines.some((l) => l.includes("ingest.watermarks.damaged") && l.includes(file)));
    await run(root, fx.baseUrl, true);
    assertEquals(readWatermarks("polygon", "stock_bars_minute", root), {
      QQQ: "2024-01-05",
      SPY: "2024-01-05",
    });
  } finally {
    setLogSink(prev);
    await fx.close();
    Deno.removeSync(root, { recursive: true });
  }
});
