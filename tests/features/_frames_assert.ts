/** Comparisons of two training exports (batched against eager) shared by the batched-export tests. */
import type pl from "nodejs-polars";
import type { TrainingManifest } from "../../lib/features/mod.ts";
import { assertEquals } from "../_assert.ts";

/** Every column of two frames equal value for value (Object.is: NaN, -0 and bits of doubles). */
export function assertFramesIdentical(a: pl.DataFrame, b: pl.DataFrame): void {
  assertEquals(a.columns, b.columns);
  assertEquals(a.height, b.height);
  for (const c of a.columns) {
    assertEquals(String(a.getColumn(c).dtype), String(b.getColumn(c).dtype), c);
    const x = a.getColumn(c).toArray(), y = b.getColumn(c).toArray();
    for (let i = 0; i < x.length; i++) {
      if (!Object.is(x[i], y[i])) {
        throw new Error(`column ${c} row ${i}: batched ${x[i]} vs eager ${y[i]}`);
      }
    }
  }
}

/** A manifest without what differs between two runs of the same export (time, file paths). */
export function comparable(m: TrainingManifest) {
  const { created_at: _c, files: _f, ...rest } = m;
  return rest;
}
