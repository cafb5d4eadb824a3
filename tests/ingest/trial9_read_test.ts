/**
 * Trial 9 (/work/notes/trial9/report.md) finding 5 and the `.csv.gz` item of 7: a latin-1/cp1252
 * file is refused before anything lands unless --encoding names it (then it lands as its UTF-8
 * twin does); a file with UTF-8 text and one corrupt line keeps the per-line not_utf8; `.csv.gz`
 * and `.txt.gz` land as the uncompressed file does. Fixtures are written here: latin-1 bytes
 * from char codes (ß = 0xDF, ö = 0xF6, é = 0xE9; € = 0x80 in cp1252), gzip by CompressionStream.
 */
import pl from "nodejs-polars";
import { assert, assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import { DataError } from "../../lib/core/errors.ts";
import { readDataset } from "../../lib/lake/mod.ts";
import { ingestBarsFile, userBarsSpec } from "../../lib/ingest/user_file.ts";
import {
  hasUtf8MultiByte,
  NotUtf8FileError,
  parseCsv,
  readUserFile,
} from "../../lib/ingest/user_file_read.ts";
import { ingestFileTask } from "./_ingest_file_task.ts";
import { nothingWritten, withLake as withLakeAt } from "./_trial_lake.ts";

const withLake = (fn: (root: string) => Promise<void>) => withLakeAt("trial9-read-test-", fn);

/** Bytes of `s` in cp1252 (every char below 256, and € as 0x80). */
const cp1252 = (s: string) =>
  Uint8Array.from(s, (c) => {
    if (c === "€") return 0x80;
    const n = c.charCodeAt(0);
    if (n > 0xff) throw new RangeError(`not latin-1: ${c}`);
    return n;
  });

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([new Uint8Array(bytes)]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The landed bars of a user dataset as sorted "symbol|date|open|high|low|close|volume" lines. */
async function landed(root: string, dataset: string): Promise<string[]> {
  const df = await readDataset(userBarsSpec(dataset, true), { root });
  const cols = ["symbol", "date", "open", "high", "low", "close", "volume"].filter((c) =>
    df.columns.includes(c)
  );
  const vals = cols.map((c) =>
    df.getColumn(c).cast(c === "symbol" || c === "date" ? pl.Utf8 : pl.Float64).toArray()
  );
  return vals[0]!.map((_, i) => vals.map((v) => String(v[i])).join("|")).sort();
}

// A German Excel export: latin-1 header (Schluß, Börse) and values (Zürich).
const HEADER_FILE = "date,Schluß,Börse\n2024-07-01,10.5,Zürich\n2024-07-02,11.25,Zürich\n" +
  "2024-07-03,12,Zürich\n";
// ASCII header; the symbol Nestlé (and a cp1252-only €) on every other row.
const VALUES_FILE = "symbol,date,close\nABB,2024-07-01,20\nNestlé,2024-07-01,100.5\n" +
  "ABB,2024-07-02,21\nNestlé,2024-07-02,101\nEUR€,2024-07-02,1.07\n";

Deno.test("finding 5: a latin-1 header file is refused before anything lands, naming --encoding cp1252 and iconv", () =>
  withLake(async (root) => {
    const f = `${root}/msft_latin1.csv`;
    Deno.writeFileSync(f, cp1252(HEADER_FILE));
    const opts = {
      dataset: "lat",
      symbol: "MSFT",
      columns: { close: "Schluß" },
      skipColumns: ["Börse"],
      root,
    };
    const e = await assertRejects(() => ingestBarsFile(f, opts), NotUtf8FileError);
    assert(e.message.includes("looks like latin-1/cp1252"), e.message);
    assert(e.message.includes("--encoding cp1252"), e.message);
    assert(e.message.includes("iconv -f cp1252 -t utf-8"), e.message);
    assert(e.message.includes("first on line 1"), e.message);
    nothingWritten(root, "lat");

    // --encoding cp1252 (and latin1) land what the UTF-8 file lands.
    const u = `${root}/msft_utf8.csv`;
    Deno.writeTextFileSync(u, HEADER_FILE);
    const su = await ingestBarsFile(u, { ...opts, dataset: "utf" });
    assertEquals([su.rowsValid, su.rowsQuarantined], [3, 0]);
    const want = await landed(root, "utf");
    // read by hand off HEADER_FILE: three closes 10.5, 11.25, 12
    assertEquals(want.length, 3);
    assert(want[1]!.startsWith("MSFT|2024-07-02|") && want[1]!.includes("|11.25"), want[1]);
    for (const encoding of ["cp1252", "latin1"]) {
      const s = await ingestBarsFile(f, { ...opts, dataset: `lat_${encoding}`, encoding });
      assertEquals([s.rowsValid, s.rowsQuarantined], [3, 0]);
      assertEquals(await landed(root, `lat_${encoding}`), want);
    }
  }));

Deno.test("finding 5: latin-1 values (Nestlé) are refused, not half-committed; --encoding cp1252 lands them all", () =>
  withLake(async (root) => {
    const f = `${root}/long_latin1.csv`;
    Deno.writeFileSync(f, cp1252(VALUES_FILE));
    const opts = { calendar: "none" as const, currency: null, units: "other" as const, root };
    const e = await assertRejects(
      () => ingestBarsFile(f, { ...opts, dataset: "lv" }),
      NotUtf8FileError,
    );
    assert(e.message.includes("first on line 3"), e.message);
    nothingWritten(root, "lv");
    const u = `${root}/long_utf8.csv`;
    Deno.writeTextFileSync(u, VALUES_FILE);
    await ingestBarsFile(u, { ...opts, dataset: "lu" });
    const s = await ingestBarsFile(f, { ...opts, dataset: "lc", encoding: "cp1252" });
    assertEquals([s.rowsRead, s.rowsValid, s.rowsQuarantined], [5, 5, 0]);
    const got = await landed(root, "lc");
    assertEquals(got, await landed(root, "lu"));
    // read by hand off VALUES_FILE
    assert(got.some((l) => l.startsWith("Nestlé|2024-07-01|") && l.includes("|100.5")), got.join());
    assert(got.some((l) => l.startsWith("EUR€|2024-07-02|")), got.join());
  }));

Deno.test("finding 5: UTF-8 text with one corrupt line keeps the per-line not_utf8 quarantine", () =>
  withLake(async (root) => {
    const f = `${root}/mixed.csv`;
    const enc = new TextEncoder();
    Deno.writeFileSync(
      f,
      new Uint8Array([
        ...enc.encode("symbol,date,close\nZürich,2024-07-01,10\nB"),
        0xe9, // a lone latin-1 é in a file whose ü is UTF-8: a corrupt line
        ...enc.encode("B,2024-07-01,11\nCCC,2024-07-01,12\n"),
      ]),
    );
    const s = await ingestBarsFile(f, { dataset: "mx", calendar: "none", currency: null, root });
    assertEquals([s.rowsRead, s.rowsValid, s.reasons.not_utf8], [3, 2, 1]);
    assert((await landed(root, "mx")).some((l) => l.startsWith("Zürich|")));
  }));

Deno.test("hasUtf8MultiByte: well-formed 2, 3, 4 byte sequences only", () => {
  const enc = new TextEncoder();
  assert(hasUtf8MultiByte(enc.encode("Zürich")));
  assert(hasUtf8MultiByte(enc.encode("€")));
  assert(hasUtf8MultiByte(enc.encode("𝄞")));
  assert(!hasUtf8MultiByte(cp1252("Zürich Börse Schluß Nestlé €")));
  assert(!hasUtf8MultiByte(new Uint8Array([0xc0, 0x80]))); // overlong
  assert(!hasUtf8MultiByte(new Uint8Array([0xed, 0xa0, 0x80]))); // surrogate
  assert(!hasUtf8MultiByte(new Uint8Array([0xe2, 0x82]))); // truncated
});

Deno.test("parseCsv: an unknown --encoding is refused; a non-UTF-8 header in a UTF-8 file names the fix", () => {
  assertThrows(() => parseCsv(cp1252("a,b\n1,2\n"), "x.csv", { encoding: "klingon" }), RangeError);
  const enc = new TextEncoder();
  const e = assertThrows(
    () =>
      parseCsv(
        new Uint8Array([...cp1252("date,Schluß\n"), ...enc.encode("2024-07-01,1 ü\n")]),
        "x.csv",
      ),
    DataError,
  );
  assert(e.message.includes("the header is not UTF-8") && e.message.includes("--encoding"));
});

Deno.test("finding 7: .csv.gz and .txt.gz land what the uncompressed file lands; corrupt gzip lands nothing", () =>
  withLake(async (root) => {
    const text = "date,open,high,low,close,volume\n2024-07-01,10,11,9.5,10.5,1000\n" +
      "2024-07-02,10.5,12,10,11.25,2000\n2024-07-03,11,12.5,10.75,12,1500\n";
    const plain = `${root}/msft.csv`;
    Deno.writeTextFileSync(plain, text);
    const gz = await gzip(new TextEncoder().encode(text));
    assertEquals([gz[0], gz[1]], [0x1f, 0x8b]);
    Deno.writeFileSync(`${root}/msft.csv.gz`, gz);
    Deno.writeFileSync(`${root}/msft.TXT.GZ`, gz);
    const base = { symbol: "MSFT", root };
    await ingestBarsFile(plain, { ...base, dataset: "plain" });
    const want = await landed(root, "plain");
    assertEquals(want[1], "MSFT|2024-07-02|10.5|12|10|11.25|2000");
    for (const [name, ds] of [["msft.csv.gz", "gz"], ["msft.TXT.GZ", "tgz"]]) {
      const s = await ingestBarsFile(`${root}/${name}`, { ...base, dataset: ds! });
      assertEquals([s.rowsValid, s.rowsQuarantined], [3, 0]);
      assertEquals(await landed(root, ds!), want);
    }
    // a latin-1 gzipped file: refused the same way, and read with --encoding
    Deno.writeFileSync(`${root}/lat.csv.gz`, await gzip(cp1252(VALUES_FILE)));
    assertThrows(() => readUserFile(`${root}/lat.csv.gz`), NotUtf8FileError);
    assertEquals(
      readUserFile(`${root}/lat.csv.gz`, { encoding: "cp1252" }).cells.get("symbol")!
        .slice(1, 2),
      ["Nestlé"],
    );
    // truncated gzip, and a plain CSV named .csv.gz
    Deno.writeFileSync(`${root}/cut.csv.gz`, gz.subarray(0, gz.length - 12));
    Deno.writeTextFileSync(`${root}/fake.csv.gz`, text);
    for (const f of ["cut.csv.gz", "fake.csv.gz"]) {
      const e = await assertRejects(
        () => ingestBarsFile(`${root}/${f}`, { ...base, dataset: "bad" }),
        DataError,
        "not a readable gzip file",
      );
      assert(e.message.includes(f), e.message);
      nothingWritten(root, "bad");
    }
    // another extension: the message lists what is read
    await assertRejects(
      () => ingestBarsFile(`${root}/msft.json`, { ...base, dataset: "bad" }),
      DataError,
      ".csv, .txt, .csv.gz, .txt.gz, .parquet",
    );
  }));

Deno.test("task ingest-file: a latin-1 file exits 2 with nothing written; --encoding cp1252 and .csv.gz exit 0", () =>
  withLake(async (root) => {
    const env = { WORKBENCH_DATA: root, TZ: "UTC" };
    const f = `${root}/long_latin1.csv`;
    Deno.writeFileSync(f, cp1252(VALUES_FILE));
    const args = [f, "--calendar", "none", "--currency", "none", "--units", "other"];
    const r = await ingestFileTask([...args, "--dataset", "lv"], env);
    assertEquals(r.code, 2, r.stderr);
    assert(r.stderr.includes("looks like latin-1/cp1252"), r.stderr);
    assert(r.stderr.includes("--encoding cp1252"), r.stderr);
    nothingWritten(root, "lv");
    const ok = await ingestFileTask([...args, "--dataset", "lc", "--encoding", "cp1252"], env);
    assertEquals(ok.code, 0, ok.stderr);
    assert(ok.stdout.includes("rows landed:      5"), ok.stdout);
    const bad = await ingestFileTask([...args, "--dataset", "lx", "--encoding", "ebcdic-x"], env);
    assertEquals(bad.code, 2, bad.stderr);
    assert(bad.stderr.includes('--encoding "ebcdic-x"'), bad.stderr);
    Deno.writeFileSync(`${root}/v.csv.gz`, await gzip(new TextEncoder().encode(VALUES_FILE)));
    const gz = await ingestFileTask(
      [`${root}/v.csv.gz`, ...args.slice(1), "--dataset", "gz"],
      env,
    );
    assertEquals(gz.code, 0, gz.stderr);
    assertEquals(await landed(root, "gz"), await landed(root, "lc"));
    const json = await ingestFileTask([`${root}/v.json`, "--dataset", "j"], env);
    assertEquals(json.code, 2);
    assert(json.stderr.includes(".csv.gz"), json.stderr);
  }));
