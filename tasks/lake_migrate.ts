/** `deno task lake-migrate`: move a lake between a local folder and S3 + PostgreSQL, verified. */
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import { MIGRATE_PARALLEL, migrateLake } from "../lib/lake/migrate.ts";
import { Progress } from "../lib/core/progress.ts";
import { closeRemoteLakes } from "../lib/lake/mod.ts";

const TASK = defineTask({
  name: "lake-migrate",
  summary: "Move a lake from a local folder to S3 + PostgreSQL or back, verified by checksums.",
  options: {
    from: {
      type: "string",
      required: true,
      example: "./data/lake",
      description: "Source lake: a folder or s3://bucket/prefix",
    },
    to: {
      type: "string",
      required: true,
      example: "s3://research/lake",
      description: "Target lake: a folder or s3://bucket/prefix",
    },
    catalog: {
      type: "string",
      example: "postgres://user@host:5432/db",
      description: "PostgreSQL catalog of the s3:// side (default: WORKBENCH_CATALOG)",
    },
    parallel: {
      type: "integer",
      default: MIGRATE_PARALLEL,
      min: 1,
      description: "Files copied at the same time (1-64)",
    },
  },
  details: `Copies every dataset's committed files (each checked against its sha256 before it is
written and read back and hashed again from the target), then writes the dataset's manifest
entries verbatim to the target (one PostgreSQL transaction, or one atomic manifest.jsonl). A
rerun after an interruption copies only what is missing; a target dataset with other entries is
refused. Files are copied --parallel at a time from one queue over all datasets; a dataset's
entries are written once its last file verified, and at the first failure no further file is
started (no dataset with an unverified file is committed). The model registry
(reference/models: each version's model.onnx, checked against its card's onnxSha256, and
model.json) is moved the same way, its index.json written last once every version verified.
Progress (files, bytes) goes to stderr. The S3 side takes its settings from WORKBENCH_S3_ENDPOINT, WORKBENCH_S3_REGION,
WORKBENCH_S3_PATH_STYLE, WORKBENCH_S3_ACCESS_KEY_ID and WORKBENCH_S3_SECRET_ACCESS_KEY; the
target bucket must already exist (NoSuchBucket otherwise). The catalog database must exist too;
its schema (?schema=, default workbench_lake) and tables are created.

Exit codes: 0 done, 1 a dataset could not be moved, 2 bad arguments.`,
  examples: [
    "--from ./data/lake --to s3://research/lake --catalog postgres://wb@db:5432/wb",
    "--from s3://research/lake --to ./data/lake-copy",
  ],
});

function checkRoot(name: string, v: string): void {
  if (v.startsWith("s3://")) {
    if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(v)) {
      throw new UsageError(`--${name} "${v}" is not s3://bucket/prefix with a valid bucket name`);
    }
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
    throw new UsageError(`--${name} "${v}" must be a folder or an s3:// URI`);
  } else if (v.trim() === "") {
    throw new UsageError(`--${name} is empty`);
  }
}

await runTask(TASK, async ({ values }) => {
  checkRoot("from", values.from);
  checkRoot("to", values.to);
  if (values.parallel > 64) throw new UsageError(`--parallel ${values.parallel} is above 64`);
  const remote = values.from.startsWith("s3://") || values.to.startsWith("s3://");
  if (values.catalog !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(values.catalog)) {
      throw new UsageError("--catalog must be a postgres:// URL");
    }
    Deno.env.set("WORKBENCH_CATALOG", values.catalog);
  }
  if (remote && !Deno.env.get("WORKBENCH_CATALOG")) {
    throw new UsageError("an s3:// lake needs --catalog or WORKBENCH_CATALOG (postgres://...)");
  }
  if (!values.from.startsWith("s3://")) {
    try {
      Deno.statSync(values.from);
    } catch {
      throw new UsageError(`--from ${values.from} does not exist`);
    }
  }
  try {
    let progress: Progress | null = null;
    let bytes = 0;
    const done = await migrateLake(values.from, values.to, {
      parallel: values.parallel,
      onFile: (p) => {
        progress ??= new Progress("lake-migrate files", p.totalFiles);
        progress.tick(p.files - progress.current, `${p.copied} copied, ${p.bytes} bytes`);
        bytes = p.bytes;
      },
      onDataset: (d) =>
        console.log(
          `${d.dataset}: ${
            d.registry ? "model registry, " : ""
          }${d.files} files (${d.copied} copied, ${d.bytes} bytes), ${d.entries} ${
            d.registry ? "model versions" : "entries"
          }${d.skipped ? " (already there)" : ""}, sha256 verified`,
        ),
    });
    (progress as Progress | null)?.done();
    console.log(
      `moved ${done.filter((d) => !d.registry).length} datasets${
        done.some((d) => d.registry) ? " and the model registry" : ""
      } (${bytes} bytes) from ${values.from} to ${values.to}`,
    );
  } finally {
    await closeRemoteLakes();
  }
});
