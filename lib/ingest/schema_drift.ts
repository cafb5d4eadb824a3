/**
 * Schema drift of vendor payloads: the fields (and JSON types) seen in each payload are compared
 * with the schema recorded the first time the dataset was fetched
 * (`<lake>/_meta/ingest/wire_schema/<source>__<dataset>.json`). Additions, removals of fields
 * that were always present, and type changes are reported; the record is only replaced on
 * request (`acceptDrift`), so drift keeps being reported until someone looks at it.
 */
import { join } from "node:path";
import { ingestMetaDir } from "./checkpoint.ts";
import type { FieldTypes } from "./types.ts";

/** Recorded wire schema: field -> JSON type and whether every sampled row had it. */
export interface WireSchema {
  fields: Record<string, { type: string; required: boolean }>;
  recordedAt: string;
}

/** Drift found in a set of payload samples. */
export interface DriftReport {
  source: string;
  dataset: string;
  added: { field: string; type: string }[];
  removed: string[];
  changed: { field: string; from: string; to: string }[];
}

function path(source: string, dataset: string, root?: string): string {
  return join(ingestMetaDir(root), "wire_schema", `${source}__${dataset}.json`);
}

/** The recorded wire schema, or null. */
export function readWireSchema(source: string, dataset: string, root?: string): WireSchema | null {
  try {
    return JSON.parse(Deno.readTextFileSync(path(source, dataset, root))) as WireSchema;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/**
 * Samples with the fields that carry no JSON value dropped (type `undefined`: a key that JSON
 * cannot hold, e.g. read past the end of an empty page), and samples left empty removed.
 */
function present(samples: FieldTypes[]): FieldTypes[] {
  const out: FieldTypes[] = [];
  for (const s of samples) {
    const kept = Object.entries(s).filter(([, t]) => t !== "undefined");
    if (kept.length > 0) out.push(Object.fromEntries(kept));
  }
  return out;
}

/** Build a wire schema from samples. */
export function wireSchemaOf(samples: FieldTypes[]): WireSchema {
  const fields: WireSchema["fields"] = {};
  const nonEmpty = present(samples);
  for (const s of nonEmpty) {
    for (const [k, t] of Object.entries(s)) {
      const f = fields[k];
      if (!f) fields[k] = { type: t, required: true };
      else if (f.type === "null" && t !== "null") f.type = t;
    }
  }
  for (const [k, f] of Object.entries(fields)) f.required = nonEmpty.every((s) => k in s);
  return { fields, recordedAt: new Date().toISOString() };
}

function write(p: string, schema: WireSchema): void {
  Deno.mkdirSync(join(p, ".."), { recursive: true });
  const tmp = `${p}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  Deno.writeTextFileSync(tmp, JSON.stringify(schema, null, 1));
  Deno.renameSync(tmp, p);
}

/**
 * Compare samples with the recorded schema (recording it when there is none) and report drift.
 * Fields typed `null` in a sample are not type changes; fields typed `undefined` and empty
 * samples (pages without rows) are ignored.
 */
export function checkDrift(
  source: string,
  dataset: string,
  samples: FieldTypes[],
  root?: string,
): DriftReport {
  const report: DriftReport = { source, dataset, added: [], removed: [], changed: [] };
  const nonEmpty = present(samples);
  if (nonEmpty.length === 0) return report;
  const recorded = readWireSchema(source, dataset, root);
  if (!recorded) {
    write(path(source, dataset, root), wireSchemaOf(nonEmpty));
    return report;
  }
  const seen = wireSchemaOf(nonEmpty).fields;
  for (const [k, f] of Object.entries(seen)) {
    const r = recorded.fields[k];
    if (!r) report.added.push({ field: k, type: f.type });
    else if (f.type !== "null" && r.type !== "null" && f.type !== r.type) {
      report.changed.push({ field: k, from: r.type, to: f.type });
    }
  }
  for (const [k, r] of Object.entries(recorded.fields)) {
    if (r.required && !(k in seen)) report.removed.push(k);
  }
  return report;
}

/** True when a report found anything. */
export function hasDrift(r: DriftReport): boolean {
  return r.added.length + r.removed.length + r.changed.length > 0;
}

/** Replace the recorded schema with what the samples show. */
export function acceptDrift(
  source: string,
  dataset: string,
  samples: FieldTypes[],
  root?: string,
): void {
  write(path(source, dataset, root), wireSchemaOf(samples));
}
