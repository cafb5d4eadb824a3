/** Test helper: read a numeric CSV fixture (header row, `NA` for missing) into columns. */
export function readCsvColumns(
  url: URL,
): Record<string, Float64Array> & { _text: Record<string, string[]> } {
  const lines = Deno.readTextFileSync(url).trim().split("\n");
  const header = lines[0]!.split(",").map((h) => h.replaceAll('"', ""));
  const rows = lines.slice(1).map((l) => l.split(",").map((c) => c.replaceAll('"', "")));
  const out: Record<string, Float64Array> = {};
  const text: Record<string, string[]> = {};
  header.forEach((h, j) => {
    text[h] = rows.map((r) => r[j]!);
    out[h] = Float64Array.from(rows, (r) => (r[j] === "NA" ? NaN : Number(r[j])));
  });
  return Object.assign(out, { _text: text });
}

/** Asserts two columns agree within a relative-or-absolute tolerance, NaN positions included. */
export function assertColumnsClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  label: string,
): void {
  if (actual.length !== expected.length) {
    throw new Error(`${label}: length ${actual.length} != ${expected.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) {
        throw new Error(`${label}[${i}]: got ${a}, expected ${e}`);
      }
      continue;
    }
    if (Math.abs(a - e) > tol * Math.max(1, Math.abs(e))) {
      throw new Error(`${label}[${i}]: got ${a}, expected ${e} (tol ${tol})`);
    }
  }
}
