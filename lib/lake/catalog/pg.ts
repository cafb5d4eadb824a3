/**
 * The lake catalog in PostgreSQL (`WORKBENCH_CATALOG=postgres://...`): the manifest entries of
 * every dataset (files added and removed, schema, watermark, spec), committed in transactions.
 *
 * Tables (in schema `workbench_lake`, or the one named by `?schema=` on the URL):
 * - `lake_dataset(name text primary key, created_at)`: one row per dataset
 *   (`zone/source/dataset`); writers of a dataset serialise on this row (`SELECT ... FOR UPDATE`
 *   in the writer's transaction), never on a local lock file, so two machines writing the same
 *   dataset take turns. A writer that dies holding it loses its connection and PostgreSQL rolls
 *   its transaction back and releases the row.
 * - `lake_manifest(seq bigserial primary key, dataset text, write_id text unique, entry jsonb,
 *   at timestamptz)`: the append-only log; folding a dataset's entries in `seq` order gives its
 *   state, exactly as folding `manifest.jsonl` does for a local lake.
 *
 * - `lake_pin(dataset text, id text, record jsonb, created_at)`: snapshot pins of an `s3://` lake
 *   (lib/lake/snapshot.ts); a file a live pin holds is never deleted.
 * - `lake_garbage(dataset text, partition text, file text, replaced_at timestamptz)`: objects
 *   replaced by a committed entry, deleted only after a grace period (a reader that listed the
 *   older files may still be fetching them), by a later writer of the dataset or by
 *   `deno task snapshot gc`, skipping pinned and again-committed files.
 *
 * Commit point of a write: the one transaction that holds the dataset row and inserts the entry
 * (`DatasetLock.commit`). Everything before it (uploaded data files) is invisible to readers;
 * a crash before it leaves the old state.
 */
import postgres from "postgres";
import { redact, registerSecret, urlUserinfo } from "../../core/secret.ts";
import type { ManifestEntry } from "../manifest.ts";

type Sql = postgres.Sql;

/** The catalog could not be reached or refused a statement (message redacted). */
export class CatalogError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(redact(message), options.cause !== undefined ? { cause: options.cause } : {});
    this.name = "CatalogError";
  }
}

/** A file of a dataset, as the catalog's garbage and pin tables name it. */
export interface FileRef {
  partition: string;
  file: string;
}

/** A replaced object awaiting deletion (see `lake_garbage` in the module doc). */
export interface GarbageRow extends FileRef {
  /** When the entry that replaced it committed (ISO instant). */
  replaced_at: string;
}

/** A dataset lock held in an open catalog transaction. */
export interface DatasetLock {
  /** Insert a manifest entry inside the transaction (seen by others only after commit). */
  add(entry: ManifestEntry): Promise<void>;
  /** Record replaced files for deferred deletion, inside the transaction. */
  defer(files: readonly FileRef[]): Promise<void>;
  /** Forget garbage rows (their objects were deleted), inside the transaction. */
  forget(files: readonly FileRef[]): Promise<void>;
  /** The dataset's garbage rows, read inside the transaction. */
  garbage(): Promise<GarbageRow[]>;
  /** Insert one manifest entry (none: only what was done in the transaction) and commit. */
  commit(entry: ManifestEntry | null): Promise<void>;
  /** Roll back and release (no-op after commit). */
  release(): Promise<void>;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

function describe(e: unknown): string {
  const m = (e as Error)?.message ?? String(e);
  return m.split("\n")[0]!;
}

/** A PostgreSQL lake catalog. */
export class PgCatalog {
  /** Catalog URL without credentials (for messages). */
  readonly where: string;
  readonly schema: string;
  readonly #sql: Sql;
  #ready: Promise<void> | null = null;
  /** Entries read so far per dataset, with the last `seq` (see {@link entries}). */
  #log = new Map<string, { seq: number; entries: ManifestEntry[] }>();

  constructor(url: string) {
    // The URL's password (only it: the user name is no secret) never reaches a message, whatever
    // its length and whether or not the URL came from the environment.
    for (const p of urlUserinfo(url)) registerSecret(p);
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new CatalogError(`WORKBENCH_CATALOG is not a URL: ${url}`);
    }
    if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") {
      throw new CatalogError(`WORKBENCH_CATALOG must be a postgres:// URL, not ${u.protocol}//`);
    }
    const schema = u.searchParams.get("schema") ?? "workbench_lake";
    if (!IDENT.test(schema)) {
      throw new CatalogError(`Invalid catalog schema "${schema}" (must match ${IDENT})`);
    }
    u.searchParams.delete("schema");
    this.schema = schema;
    this.where = redact(`${u.host}${u.pathname}?schema=${schema}`);
    this.#sql = postgres(u.toString(), {
      max: 4,
      onnotice: () => {},
      // Idle connections close soon, so a script that is done exits without waiting on them.
      idle_timeout: 2,
      connect_timeout: 10,
    });
  }

  #t(name: string): string {
    return `"${this.schema}"."${name}"`;
  }

  /** Create the schema and tables when missing (idempotent; serialised by an advisory lock). */
  ready(): Promise<void> {
    this.#ready ??= (async () => {
      try {
        await this.#sql.begin(async (tx) => {
          await tx.unsafe(`SELECT pg_advisory_xact_lock(hashtext('workbench_lake_ddl'))`);
          await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
          await tx.unsafe(
            `CREATE TABLE IF NOT EXISTS ${this.#t("lake_dataset")} (
               name text PRIMARY KEY,
               created_at timestamptz NOT NULL DEFAULT now())`,
          );
          await tx.unsafe(
            `CREATE TABLE IF NOT EXISTS ${this.#t("lake_manifest")} (
               seq bigserial PRIMARY KEY,
               dataset text NOT NULL REFERENCES ${this.#t("lake_dataset")}(name),
               write_id text NOT NULL UNIQUE,
               entry jsonb NOT NULL,
               at timestamptz NOT NULL DEFAULT now())`,
          );
          await tx.unsafe(
            `CREATE INDEX IF NOT EXISTS lake_manifest_dataset_seq
               ON ${this.#t("lake_manifest")} (dataset, seq)`,
          );
          await tx.unsafe(
            `CREATE TABLE IF NOT EXISTS ${this.#t("lake_pin")} (
               dataset text NOT NULL,
               id text NOT NULL,
               record jsonb NOT NULL,
               created_at timestamptz NOT NULL DEFAULT now(),
               PRIMARY KEY (dataset, id))`,
          );
          await tx.unsafe(
            `CREATE TABLE IF NOT EXISTS ${this.#t("lake_garbage")} (
               dataset text NOT NULL,
               partition text NOT NULL,
               file text NOT NULL,
               replaced_at timestamptz NOT NULL DEFAULT now(),
               PRIMARY KEY (dataset, partition, file))`,
          );
        });
      } catch (e) {
        this.#ready = null;
        throw new CatalogError(`Cannot open the lake catalog ${this.where}: ${describe(e)}`, {
          cause: e,
        });
      }
    })();
    return this.#ready;
  }

  /**
   * The manifest entries of a dataset in commit order ([] when it has none). Entries are
   * append-only, so this process keeps what it read and asks only for the rows after the last
   * sequence number it has (one indexed query returning nothing when the dataset is unchanged).
   */
  async entries(dataset: string): Promise<ManifestEntry[]> {
    await this.ready();
    try {
      const had = this.#log.get(dataset) ?? { seq: 0, entries: [] };
      const rows = await this.#sql.unsafe(
        `SELECT seq, entry FROM ${this.#t("lake_manifest")}
          WHERE dataset = $1 AND seq > $2 ORDER BY seq`,
        [dataset, had.seq],
      );
      if (rows.length === 0) return had.entries.slice();
      const next = {
        seq: Number(rows.at(-1)!.seq),
        entries: [...had.entries, ...rows.map((r) => r.entry as ManifestEntry)],
      };
      this.#log.set(dataset, next);
      return next.entries.slice();
    } catch (e) {
      throw new CatalogError(
        `Cannot read the catalog ${this.where} for ${dataset}: ${describe(e)}`,
        {
          cause: e,
        },
      );
    }
  }

  /** Every dataset's entries in commit order, keyed by `zone/source/dataset`. */
  async allEntries(): Promise<Map<string, ManifestEntry[]>> {
    await this.ready();
    const out = new Map<string, ManifestEntry[]>();
    try {
      for (const r of await this.#sql.unsafe(`SELECT name FROM ${this.#t("lake_dataset")}`)) {
        out.set(r.name as string, []);
      }
      const rows = await this.#sql.unsafe(
        `SELECT dataset, entry FROM ${this.#t("lake_manifest")} ORDER BY seq`,
      );
      for (const r of rows) out.get(r.dataset as string)?.push(r.entry as ManifestEntry);
    } catch (e) {
      throw new CatalogError(`Cannot read the catalog ${this.where}: ${describe(e)}`, { cause: e });
    }
    return out;
  }

  /**
   * Take a dataset's writer lock: a transaction holding its `lake_dataset` row. Waits up to
   * `timeoutMs` for another writer (anywhere) to commit or die, then throws a CatalogError.
   * Commit with {@link DatasetLock.commit}; always {@link DatasetLock.release} in `finally`.
   */
  async lock(dataset: string, timeoutMs = 60_000): Promise<DatasetLock> {
    await this.ready();
    const t = this.#t("lake_dataset");
    try {
      await this.#sql.unsafe(`INSERT INTO ${t} (name) VALUES ($1) ON CONFLICT DO NOTHING`, [
        dataset,
      ]);
    } catch (e) {
      throw new CatalogError(`Cannot register ${dataset} in ${this.where}: ${describe(e)}`, {
        cause: e,
      });
    }
    const conn = await this.#sql.reserve();
    let open = false;
    try {
      await conn.unsafe("BEGIN");
      open = true;
      await conn.unsafe(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
      await conn.unsafe(`SELECT name FROM ${t} WHERE name = $1 FOR UPDATE`, [dataset]);
    } catch (e) {
      if (open) await conn.unsafe("ROLLBACK").catch(() => {});
      conn.release();
      const timeout = /lock timeout/i.test(describe(e));
      throw new CatalogError(
        timeout
          ? `Cannot lock ${dataset} in ${this.where}: another writer held it for over ${timeoutMs} ms`
          : `Cannot lock ${dataset} in ${this.where}: ${describe(e)}`,
        { cause: e },
      );
    }
    let done = false;
    const m = this.#t("lake_manifest");
    const insert = (entry: ManifestEntry) =>
      conn.unsafe(
        `INSERT INTO ${m} (dataset, write_id, entry) VALUES ($1, $2, $3::text::jsonb)`,
        [dataset, entry.write_id, JSON.stringify(entry)],
      );
    const g = this.#t("lake_garbage");
    const live = (what: string) => {
      if (done) throw new CatalogError(`Cannot ${what} ${dataset}: the lock was released`);
    };
    return {
      add: async (entry: ManifestEntry) => {
        live("add to");
        await insert(entry);
      },
      defer: async (files: readonly FileRef[]) => {
        live("record garbage of");
        for (const f of files) {
          await conn.unsafe(
            `INSERT INTO ${g} (dataset, partition, file) VALUES ($1, $2, $3)
             ON CONFLICT (dataset, partition, file) DO UPDATE SET replaced_at = now()`,
            [dataset, f.partition, f.file],
          );
        }
      },
      forget: async (files: readonly FileRef[]) => {
        live("forget garbage of");
        for (const f of files) {
          await conn.unsafe(
            `DELETE FROM ${g} WHERE dataset = $1 AND partition = $2 AND file = $3`,
            [dataset, f.partition, f.file],
          );
        }
      },
      garbage: async () => {
        live("read garbage of");
        const rows = await conn.unsafe(
          `SELECT partition, file, replaced_at FROM ${g} WHERE dataset = $1
            ORDER BY replaced_at, partition, file`,
          [dataset],
        );
        return rows.map((r) => ({
          partition: r.partition as string,
          file: r.file as string,
          replaced_at: new Date(r.replaced_at as string).toISOString(),
        }));
      },
      commit: async (entry: ManifestEntry | null) => {
        live("commit");
        try {
          if (entry) await insert(entry);
          await conn.unsafe("COMMIT");
        } catch (e) {
          await conn.unsafe("ROLLBACK").catch(() => {});
          throw new CatalogError(
            `Cannot commit ${entry?.write_id ?? "a change"} of ${dataset} to ${this.where}: ${
              describe(e)
            }`,
            { cause: e },
          );
        } finally {
          done = true;
          conn.release();
        }
      },
      release: async () => {
        if (done) return;
        done = true;
        try {
          await conn.unsafe("ROLLBACK");
        } catch {
          /* connection lost: the server rolled back */
        } finally {
          conn.release();
        }
      },
    };
  }

  /**
   * Append entries of one dataset verbatim in one transaction (the migration from a file
   * manifest). Refuses when the dataset already has entries that are not exactly these (by
   * write_id, in order); returns false when they are all there already (a rerun).
   */
  async importEntries(dataset: string, entries: ManifestEntry[]): Promise<boolean> {
    const lock = await this.lock(dataset);
    try {
      const have = await this.entries(dataset);
      const same = have.length === entries.length &&
        have.every((e, i) => e.write_id === entries[i]!.write_id);
      if (same) return false;
      if (have.length > 0) {
        throw new CatalogError(
          `Cannot import ${dataset} into ${this.where}: it already has ${have.length} other entries`,
        );
      }
      const last = entries.at(-1);
      if (!last) return false;
      // All but the last go in through the same transaction, then the last commits it.
      for (const e of entries.slice(0, -1)) await lock.add(e);
      await lock.commit(last);
      return true;
    } finally {
      await lock.release();
    }
  }

  /** Pin records of a dataset (the `record` JSON as stored), sorted by id. */
  async pins(dataset: string): Promise<unknown[]> {
    await this.ready();
    try {
      const rows = await this.#sql.unsafe(
        `SELECT record FROM ${this.#t("lake_pin")} WHERE dataset = $1 ORDER BY id`,
        [dataset],
      );
      return rows.map((r) => r.record as unknown);
    } catch (e) {
      throw new CatalogError(
        `Cannot read the pins of ${dataset} in ${this.where}: ${describe(e)}`,
        {
          cause: e,
        },
      );
    }
  }

  /** Store a pin record; false when a pin of that id exists already (nothing changed). */
  async putPin(dataset: string, id: string, record: unknown): Promise<boolean> {
    await this.ready();
    try {
      const rows = await this.#sql.unsafe(
        `INSERT INTO ${this.#t("lake_pin")} (dataset, id, record) VALUES ($1, $2, $3::text::jsonb)
         ON CONFLICT DO NOTHING RETURNING id`,
        [dataset, id, JSON.stringify(record)],
      );
      return rows.length === 1;
    } catch (e) {
      throw new CatalogError(
        `Cannot store pin ${id} of ${dataset} in ${this.where}: ${describe(e)}`,
        {
          cause: e,
        },
      );
    }
  }

  /** Delete a pin record; false when there was none. */
  async deletePin(dataset: string, id: string): Promise<boolean> {
    await this.ready();
    try {
      const rows = await this.#sql.unsafe(
        `DELETE FROM ${this.#t("lake_pin")} WHERE dataset = $1 AND id = $2 RETURNING id`,
        [dataset, id],
      );
      return rows.length === 1;
    } catch (e) {
      throw new CatalogError(
        `Cannot delete pin ${id} of ${dataset} in ${this.where}: ${describe(e)}`,
        {
          cause: e,
        },
      );
    }
  }

  /** Drop the catalog's schema and everything in it (tests). */
  async dropSchema(): Promise<void> {
    await this.#sql.unsafe(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
    this.#ready = null;
    this.#log.clear();
  }

  /** Close the connections. */
  async close(): Promise<void> {
    await this.#sql.end({ timeout: 5 });
  }
}
