// replaceRows: a symbol's stored rows are replaced by the input's, other symbols untouched, in one
// manifest entry; a crash at any step leaves the old rows or the new.
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import pl from "nodejs-polars";
import {
  type DatasetSpec,
  datasetState,
  readDataset,
  replaceRows,
  writeDataset,
} from "../../lib/lake/mod.ts";

export const DAILY: DatasetSpec = {
  zone: "curated",
  source: "user",
  dataset: "replace_fx",
  partitioning: "year",
  timeColumn: "date",
  naturalKey: ["symbol", "date"],
  schema: { symbol: "str", date: "date", value: "f64", known_at: "ts_ms" },
};

/** n calendar days of `symbol` from `start`, values base, base + 1, ... */
export function daily(symbol: string, start: string, n: number, base: number): pl.DataFrame {
  const t0 = Date.parse(`${start}T00:00:00Z`);
  const dates = Array.from({ length: n }, (_, i) => new Date(t0 + i * 86_400_000));
  return pl.DataFrame([
    pl.Series("symbol", dates.map(() => symbol), pl.Utf8),
    pl.Series("date", dates.map((d) => d.toISOString().slice(0, 10)), pl.Utf8).str.strptime(
      pl.Date,
      "%Y-%m-%d",
    ),
    pl.Series("value", dates.map((_, i) => base + i), pl.Float64),
    pl.Series("known_at", dates.map((d) => d.getTime() + 86_400_000), pl.Float64).cast(pl.Int64)
      .cast(pl.Datetime("ms", "UTC")),
  ]);
}

const W = { transformId: "test@1", sourceUri: "test://replace" };

/** (symbol, date, value) rows of the dataset, sorted. */
async function rows(root: string): Promise<string[]> {
  const df = await readDataset(DAILY, { root });
  if (df.height === 0) return [];
  const s = df.getColumn("symbol").toArray() as string[];
  const d = df.getColumn("date").cast(pl.Utf8).toArray() as string[];
  const v = df.getColumn("value").toArray() as number[];
  return s.map((x, i) => `${x} ${d[i]} ${v[i]}`).sort();
}

/** Old: A on 1999-12-28..2000-01-04 (8 days over two year partitions), B on 1999-12-30..2000-01-02. */
async function seed(root: string): Promise<void> {
  await writeDataset(DAILY, daily("A", "1999-12-28", 8, 100), { ...W, root });
  await writeDataset(DAILY, daily("B", "1999-12-30", 4, 900), { ...W, root });
}

// Expected by hand: A replaced by 1999-12-29..2000-01-03 valued 500..505; B's four rows as seeded.
const NEW_A = [
  "A 1999-12-29 500",
  "A 1999-12-30 501",
  "A 1999-12-31 502",
  "A 2000-01-01 503",
  "A 2000-01-02 504",
  "A 2000-01-03 505",
];
const B = ["B 1999-12-30 900", "B 1999-12-31 901", "B 2000-01-01 902", "B 2000-01-02 903"];
const OLD_A = [
  "A 1999-12-28 100",
  "A 1999-12-29 101",
  "A 1999-12-30 102",
  "A 1999-12-31 103",
  "A 2000-01-01 104",
  "A 2000-01-02 105",
  "A 2000-01-03 106",
  "A 2000-01-04 107",
];

Deno.test("replaceRows replaces one symbol's rows (shifted dates) in one entry, others kept", async () => {
  const root = await Deno.makeTempDir();
  try {
    await seed(root);
    const entriesBefore = datasetState(DAILY, root).entries;
    const r = await replaceRows(DAILY, daily("A", "1999-12-29", 6, 500), {
      ...W,
      root,
      where: { column: "symbol", values: ["A"] },
    });
    assertEquals(r.rowsWritten, 6);
    assertEquals(r.rowsRemoved, 8);
    assert(!r.noop);
    assertEquals(await rows(root), [...NEW_A, ...B].sort());
    const st = datasetState(DAILY, root);
    assertEquals(st.entries, entriesBefore + 1, "one manifest entry");
    assertEquals(st.rows, 10);
    assert(r.filesRemoved.length >= 2, "both year partitions rewritten");
    // The same replace again changes nothing.
    const again = await replaceRows(DAILY, daily("A", "1999-12-29", 6, 500), {
      ...W,
      root,
      where: { column: "symbol", values: ["A"] },
    });
    assert(again.noop);
    assertEquals(datasetState(DAILY, root).entries, entriesBefore + 1);
    // Replacing with rows only in 1999 empties A's 2000 rows; B's stay.
    await replaceRows(DAILY, daily("A", "1999-12-30", 2, 7), {
      ...W,
      root,
      where: { column: "symbol", values: ["A"] },
    });
    assertEquals(await rows(root), ["A 1999-12-30 7", "A 1999-12-31 8", ...B].sort());
    // Replacing with no rows removes a whole partition's files when nothing else is there.
    await replaceRows(DAILY, daily("B", "1999-12-30", 0, 0), {
      ...W,
      root,
      where: { column: "symbol", values: ["B"] },
    });
    assertEquals(await rows(root), ["A 1999-12-30 7", "A 1999-12-31 8"]);
    assertEquals(datasetState(DAILY, root).files.map((f) => f.partition), ["year=1999"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("replaceRows refuses an input row outside the values replaced", async () => {
  const root = await Deno.makeTempDir();
  try {
    await seed(root);
    await assertRejects(
      () =>
        replaceRows(DAILY, daily("B", "1999-12-29", 2, 1), {
          ...W,
          root,
          where: { column: "symbol", values: ["A"] },
        }),
      RangeError,
      "symbol B",
    );
    assertEquals(await rows(root), [...OLD_A, ...B].sort());
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

for (
  const [step, want] of [
    ["files-written", "old"],
    ["journal-written", "new"],
    ["applied", "new"],
  ] as const
) {
  Deno.test(`replaceRows killed at ${step} leaves the ${want} rows`, async () => {
    const root = await Deno.makeTempDir();
    try {
      await seed(root);
      const o = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--frozen",
          new URL("./_replace_proc.ts", import.meta.url).pathname,
          root,
          step,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(o.signal, "SIGKILL", new TextDecoder().decode(o.stderr));
      // The read recovers (rolls a committed journal forward) first.
      const got = await rows(root);
      assertEquals(got, want === "old" ? [...OLD_A, ...B].sort() : [...NEW_A, ...B].sort());
      const st = datasetState(DAILY, root);
      assertEquals(st.rows, got.length, "manifest rows match the data");
      // Stored data files are exactly the committed ones (a killed write's hidden temporaries are
      // never read; the next writer sweeps them).
      const onDisk: string[] = [];
      for (const p of Deno.readDirSync(`${root}/curated/user/replace_fx`)) {
        if (!p.isDirectory) continue;
        for (const f of Deno.readDirSync(`${root}/curated/user/replace_fx/${p.name}`)) {
          if (!f.name.endsWith(".tmp")) onDisk.push(`${p.name}/${f.name}`);
        }
      }
      assertEquals(onDisk.sort(), st.files.map((f) => `${f.partition}/${f.file}`).sort());
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
}
