/**
 * Compaction: merge each partition's files into one file without changing its rows, through the
 * same journaled protocol as a write. Manifest totals (rows, time range) are unchanged; the
 * manifest records which files were replaced.
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { acquireLock } from "./lock.ts";
import {
  foldManifest,
  type ManifestEntry,
  type ManifestFile,
  readManifest,
  repairTornManifest,
} from "./manifest.ts";
import { datasetDir, type DatasetSpec, metaDir } from "./spec.ts";
import { sha256Hex, syncDir, writeAtomic, writeDurable } from "../core/fs.ts";
import { recoverDataset, sweepMetaTemps } from "./writer.ts";
import { assertInsideLake } from "./integrity.ts";
import { localFiles, remoteOf } from "./store/files.ts";
import { beginRemote, commitRemote } from "./_remote_commit.ts";

/** What a compaction did. */
export interface CompactResult {
  partitionsCompacted: number;
  filesBefore: number;
  filesAfter: number;
  rows: number;
}

/** Merge every partition with more than one file into a single file. */
export async function compactDataset(
  spec: DatasetSpec,
  options: { root?: string } = {},
): Promise<CompactResult> {
  const meta = metaDir(spec, options.root);
  const dir = datasetDir(spec, options.root);
  // An s3:// lake: the catalog's row lock and the same commit as a write (see _remote_commit.ts).
  const lake = remoteOf(options.root);
  const remote = lake ? await beginRemote(lake, spec) : null;
  const release = remote ? remote.lock.release : await acquireLock(meta);
  try {
    if (!remote) {
      await recoverDataset(spec, options.root);
      await repairTornManifest(meta);
    }
    const state = foldManifest(remote ? remote.entries : readManifest(meta));
    const byPart = new Map<string, ManifestFile[]>();
    for (const f of state.files) byPart.set(f.partition, [...(byPart.get(f.partition) ?? []), f]);
    const writeId = crypto.randomUUID();
    const renames: { from: string; to: string }[] = [];
    const removes: string[] = [];
    const added: ManifestFile[] = [];
    const removed: { partition: string; file: string }[] = [];
    let filesBefore = 0;
    let filesAfter = 0;
    let rows = 0;
    let compacted = 0;
    for (const [part, files] of [...byPart.entries()].sort()) {
      filesBefore += files.length;
      rows += files.reduce((s, f) => s + f.rows, 0);
      if (files.length < 2) {
        filesAfter += files.length;
        continue;
      }
      const pdir = part ? join(dir, part) : dir;
      assertInsideLake(pdir, options.root, spec.dataset);
      // Only the committed files, each verified: a stray file is not merged, a changed one stops
      // the compaction (an IntegrityError naming it) instead of being sealed under a new hash.
      const paths = await localFiles(spec, files, { root: options.root });
      const frames = paths.map((p) => pl.readParquet(p));
      const sortCols = [spec.timeColumn, ...spec.naturalKey.filter((k) => k !== spec.timeColumn)];
      const merged = pl.concat(frames, { how: "diagonal" }).sort(sortCols);
      const bytes = new Uint8Array(merged.writeParquet({ compression: "zstd" }));
      const sha = await sha256Hex(bytes);
      const name = `part-${sha.slice(0, 16)}.parquet`;
      const tmp = join(pdir, `.${name}.${writeId.slice(0, 8)}.tmp`);
      try {
        await writeDurable(tmp, bytes);
      } catch (e) {
        for (const r of renames) {
          try {
            Deno.removeSync(r.from);
          } catch { /* not written */ }
        }
        try {
          Deno.removeSync(tmp);
        } catch { /* not created */ }
        throw new Error(
          `Cannot compact ${spec.zone}/${spec.source}/${spec.dataset}: writing ${tmp} failed (${
            (e as Error).message
          }); nothing was committed`,
          { cause: e },
        );
      }
      renames.push({ from: tmp, to: join(pdir, name) });
      const mins = files.map((f) => f.min_time).filter((x): x is string => x !== null).sort();
      const maxs = files.map((f) => f.max_time).filter((x): x is string => x !== null).sort();
      added.push({
        partition: part,
        file: name,
        rows: merged.height,
        sha256: sha,
        min_time: mins[0] ?? null,
        max_time: maxs.at(-1) ?? null,
        codec: "zstd",
        bytes: bytes.length,
      });
      for (const f of files) {
        if (f.file === name) continue;
        removes.push(join(pdir, f.file));
        removed.push({ partition: part, file: f.file });
      }
      filesAfter += 1;
      compacted++;
    }
    if (compacted > 0) {
      const entry: ManifestEntry = {
        write_id: writeId,
        at: new Date().toISOString(),
        kind: "compact",
        transform_id: "lake.compact",
        source_uri: "",
        added,
        removed,
        schema: state.schema,
      };
      if (remote) {
        const staged = renames.map((r, i) => ({ tmp: r.from, file: added[i]! }));
        try {
          await commitRemote(remote, spec, options.root, staged, entry);
        } catch (e) {
          for (const r of renames) {
            try {
              Deno.removeSync(r.from);
            } catch { /* uploaded and renamed, or not written */ }
          }
          throw e;
        }
        return { partitionsCompacted: compacted, filesBefore, filesAfter, rows };
      }
      try {
        await writeAtomic(
          join(meta, "journal.json"),
          JSON.stringify({ write_id: writeId, renames, removes, entry }),
        );
      } catch (e) {
        for (const r of renames) {
          try {
            Deno.removeSync(r.from);
          } catch { /* not written */ }
        }
        sweepMetaTemps(meta, true);
        throw new Error(
          `Cannot compact ${spec.zone}/${spec.source}/${spec.dataset}: writing the journal in ${meta} failed (${
            (e as Error).message
          }); nothing was committed`,
          { cause: e },
        );
      }
      // Same apply path as writes (via recovery, which reads the journal just written).
      await recoverDataset(spec, options.root);
      await syncDir(dir);
    }
    return { partitionsCompacted: compacted, filesBefore, filesAfter, rows };
  } finally {
    await release();
  }
}
