/**
 * ingest-file --kind book: the LOBSTER fixture into a temporary lake (lineage, known_at, read
 * back as the same book), bad rows quarantined, the task's exit codes.
 */
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { ingestBookFile } from "../../lib/ingest/user_book.ts";
import { loadBookDay } from "../../lib/book/mod.ts";
import { parseLobster } from "../../lib/book/lobster.ts";
import { readDataset } from "../../lib/lake/mod.ts";
import { quarantineSpec } from "../../lib/ingest/quarantine.ts";
import { FIXTURE_MSG, FIXTURE_OB, fixturePath, fixtureTexts } from "../book/_fixture.ts";

Deno.test("user_book: a LOBSTER day lands with lineage and known_at and reads back unchanged", async () => {
  const root = await Deno.makeTempDir();
  try {
    const s = await ingestBookFile(fixturePath(FIXTURE_MSG), { dataset: "test_book", root });
    assertEquals([s.rowsRead, s.rowsValid, s.rowsQuarantined, s.levels], [10, 10, 0, 3]);
    const df = await readDataset(s.dataset, { root });
    assertEquals(df.height, 10);
    assertEquals(df.getColumn("source_uri").toArray()[0], `file://${FIXTURE_MSG}`);
    assert(String(df.getColumn("transform_id").toArray()[0]).includes("book"));
    const { message, orderbook } = await fixtureTexts();
    const want = parseLobster(message, orderbook, { symbol: "TEST", date: "2012-06-21" }).day;
    const got = await loadBookDay("test_book", "TEST", "2012-06-21", { root });
    assertEquals(got.timeNs, want.timeNs);
    assertEquals(got.tsMs, want.tsMs);
    assertEquals(got.askPrice, want.askPrice); // NaN for the empty level survives the lake
    assertEquals(got.bidSize, want.bidSize);
    assertEquals(got.eventType, want.eventType);
    // known_at: 34200.000000001 s is known at the next ms; 34200.5 s exactly at its ms
    const known = await loadBookDay("test_book", "TEST", "2012-06-21", {
      root,
      asOf: new Date(Date.UTC(2012, 5, 21, 13, 30, 0, 500)),
    });
    assertEquals(known.length, 2);
    // idempotent
    const again = await ingestBookFile(fixturePath(FIXTURE_MSG), { dataset: "test_book", root });
    assert(again.write!.noop);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("user_book: bad rows are quarantined with reason codes, wrong names refused", async () => {
  const root = await Deno.makeTempDir();
  try {
    const { message, orderbook } = await fixtureTexts();
    const m = message.split("\n");
    m[3] = m[3]!.replace(",-1", ",0"); // direction 0
    const dir = await Deno.makeTempDir({ dir: root });
    const mp = `${dir}/${FIXTURE_MSG}`;
    await Deno.writeTextFile(mp, m.join("\n"));
    await Deno.writeTextFile(`${dir}/${FIXTURE_OB}`, orderbook);
    const s = await ingestBookFile(mp, { dataset: "bad_book", root });
    assertEquals([s.rowsValid, s.rowsQuarantined], [9, 1]);
    assertEquals(s.reasons, { invalid_value: 1 });
    const q = await readDataset(quarantineSpec("user"), { root });
    assertEquals(q.getColumn("reason").toArray(), ["invalid_value"]);
    assert(String(q.getColumn("payload").toArray()[0]).includes("orderbook"));
    await Deno.writeTextFile(`${dir}/data.csv`, message);
    await assertRejects(
      () => ingestBookFile(`${dir}/data.csv`, { dataset: "x", root }),
      RangeError,
      "not a LOBSTER",
    );
    await Deno.remove(`${dir}/${FIXTURE_OB}`);
    await assertRejects(
      () => ingestBookFile(mp, { dataset: "x", root }),
      RangeError,
      "order-book file",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("ingest-file --kind book: task exit codes and output", async () => {
  const root = await Deno.makeTempDir();
  try {
    const run = async (...args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--frozen",
          new URL("../../tasks/ingest_file.ts", import.meta.url).pathname,
          ...args,
        ],
        env: { WORKBENCH_DATA: root },
        stdout: "piped",
        stderr: "piped",
      }).output();
      return {
        code: out.code,
        out: new TextDecoder().decode(out.stdout),
        err: new TextDecoder().decode(out.stderr),
      };
    };
    const ok = await run(fixturePath(FIXTURE_MSG), "--dataset", "task_book", "--kind", "book");
    assertEquals(ok.code, 0, ok.err);
    assert(ok.out.includes("rows landed:      10"));
    const bad = await run(fixturePath(FIXTURE_MSG), "--dataset", "task_book", "--kind", "depth");
    assertEquals(bad.code, 2);
    assertEquals(bad.err.trim().split("\n").length, 1);
    const help = await run("--help");
    assertEquals(help.code, 0);
    assert(help.out.includes("book"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
