/** Options shared by `deno task daily` and `deno task shadow`, and the runbook file check. */
import { UsageError } from "../lib/cli/mod.ts";
import { unknownFieldMessage } from "../lib/cli/spec_schema.ts";
import { RUNBOOK_FILE_FIELDS } from "../lib/runbook/command.ts";

/** Declared options common to the runbook tasks. */
export const RUNBOOK_OPTIONS = {
  config: {
    type: "path",
    mustExist: true,
    example: "runbook.json",
    description: "Runbook file (JSON object; default: built-in settings)",
  },
  sim: { type: "boolean", description: "Ingest through the in-process simulated market" },
  seed: { type: "integer", description: "Seed of the simulated market (with --sim)" },
  "no-ingest": { type: "boolean", description: "Skip the incremental backfill" },
  workers: {
    type: "integer",
    min: 1,
    description: "Concurrent ingest units (default: run.workers of the configuration)",
  },
} as const;

/**
 * A runbook file must be a JSON object of the fields the runbook reads (lib/runbook
 * `RUNBOOK_FILE_FIELDS`); anything else is a usage error (exit 2) naming the field.
 */
export function checkRunbookFile(path: string): void {
  let raw: unknown;
  try {
    raw = JSON.parse(Deno.readTextFileSync(path));
  } catch (e) {
    throw new UsageError(`--config ${path}: ${(e as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new UsageError(`--config ${path}: expected a JSON object`);
  }
  // an unknown field would be ignored (a typo running with the default): refuse it
  const extra = Object.keys(raw).filter((k) =>
    !(RUNBOOK_FILE_FIELDS as readonly string[]).includes(k)
  );
  if (extra.length > 0) {
    throw new UsageError(
      `--config ${path}: ${
        extra.map((k) => `${k}: ${unknownFieldMessage([k], RUNBOOK_FILE_FIELDS)}`).join("; ")
      }`,
    );
  }
}
