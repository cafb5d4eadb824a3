/** Mapping between lake column types and Polars dtypes. */
import pl from "nodejs-polars";
import type { ColumnType } from "./spec.ts";

/** The Polars dtype of a lake column type. */
export function polarsType(t: ColumnType): pl.DataType {
  switch (t) {
    case "f64":
      return pl.Float64;
    case "f32":
      return pl.Float32;
    case "i64":
      return pl.Int64;
    case "i32":
      return pl.Int32;
    case "str":
      return pl.Utf8;
    case "bool":
      return pl.Bool;
    case "date":
      return pl.Date;
    case "ts_ms":
      return pl.Datetime("ms", "UTC");
  }
}

/** The lake column type of a Polars series, or null when it has no lake equivalent. */
export function lakeType(s: pl.Series): ColumnType | null {
  return lakeDtype(s.dtype);
}

/**
 * The lake column type of a Polars dtype, or null when it has no lake equivalent (a frame's
 * `dtypes` give every column's at once, without a Series per column).
 */
export function lakeDtype(dtype: pl.DataType): ColumnType | null {
  const text = String(dtype);
  switch (dtype.variant) {
    case "Float64":
      return "f64";
    case "Float32":
      return "f32";
    case "Int64":
      return "i64";
    case "Int32":
      return "i32";
    case "String":
    case "Utf8":
      return "str";
    case "Bool":
      return "bool";
    case "Date":
      return "date";
    case "Datetime":
      return text.includes("ms,UTC") || text.includes("ms, UTC") ? "ts_ms" : null;
    default:
      return null;
  }
}

/** Cast columns whose type differs from the recorded schema (after an allowed type change). */
export function alignTypes(df: pl.DataFrame, schema: Record<string, ColumnType>): pl.DataFrame {
  const casts: pl.Expr[] = [];
  for (const c of df.columns) {
    const t = schema[c];
    if (t && lakeType(df.getColumn(c)) !== t) casts.push(pl.col(c).cast(polarsType(t), false));
  }
  return casts.length ? df.withColumns(...casts) : df;
}
