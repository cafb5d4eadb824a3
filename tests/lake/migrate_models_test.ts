// lake-migrate carries the model registry (reference/models: model.onnx, model.json, index.json)
// with the data: local -> S3 + PostgreSQL -> local, then the registry lists and loads the models
// with the same predictions as at the source. Expectations are the source registry's own bytes.
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { MigrateError, migrateLake, type MigrateProgress } from "../../lib/lake/migrate.ts";
import { remoteOf } from "../../lib/lake/store/files.ts";
import { sha256Hex } from "../../lib/core/fs.ts";
import { writeDataset } from "../../lib/lake/mod.ts";
import {
  listModels,
  loadModel,
  type RegisterInput,
  registerModel,
} from "../../lib/models/registry.ts";
import { fitRidge } from "../../lib/models/linear.ts";
import { exportOnnx } from "../../lib/models/onnx_export.ts";
import { tabularManifest } from "../../lib/models/feature_manifest.ts";
import { matrixFromColumns } from "../../lib/models/matrix.ts";
import { Rng } from "../../lib/core/mod.ts";
import { BARS, bars } from "./_fixtures.ts";
import { backends, withBackend } from "./_backends.ts";

const W = { transformId: "test@1", sourceUri: "test://unit", ingestedAt: new Date(0) };
const rng = new Rng(7);
const cols = {
  ret_1d: Array.from({ length: 40 }, () => rng.normal()),
  vol_20d: Array.from({ length: 40 }, () => rng.normal()),
};
const x = matrixFromColumns(cols);
const y = cols.ret_1d.map((v, i) => 0.5 * v - cols.vol_20d[i]! + 0.1 * rng.normal());

function input(trialId: string, alpha: number): RegisterInput {
  return {
    name: "spy_ridge",
    onnx: exportOnnx(fitRidge(x, y, { alpha })),
    manifest: tabularManifest(x.names),
    modelKind: "ridge",
    task: "regression",
    trainingDataHash: "sha256:abc",
    params: { alpha },
    cpcvMetrics: { r2_mean: 0.1 },
    question: "migrate-test",
    trialId,
    oosReturns: [0.01, -0.005, 0.002],
    netOfCosts: true,
  };
}

/** Every file under reference/models (relative path -> sha256), lock folder excluded. */
async function registryFiles(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory && e.name !== "_meta") await walk(p);
      else if (e.isFile) {
        out.set(p.slice(root.length + 1), await sha256Hex(await Deno.readFile(p)));
      }
    }
  };
  await walk(`${root}/reference/models`);
  return out;
}

async function predictions(root: string, version: number): Promise<number[]> {
  const m = await loadModel("spy_ridge", version, { root });
  try {
    return Array.from(await m.predict(x));
  } finally {
    await m.release();
  }
}

async function sourceLake(): Promise<string> {
  const src = await Deno.makeTempDir({ prefix: "mig-models-" });
  await writeDataset(BARS, bars(["A"], 10), { ...W, root: src });
  await registerModel(input("t1", 1), { root: src, now: new Date("2026-01-02T00:00:00Z") });
  await registerModel(input("t2", 10), { root: src, now: new Date("2026-01-03T00:00:00Z") });
  return src;
}

const s3 = backends().find((b) => b.kind === "s3+pg")!;

Deno.test({
  name: "lake-migrate: registered models go local -> S3 + PostgreSQL -> local and load after",
  ignore: s3.ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: () =>
    withBackend("s3+pg", async (lake) => {
      const src = await sourceLake();
      const back = await Deno.makeTempDir({ prefix: "mig-models-back-" });
      try {
        const want = await registryFiles(src);
        assertEquals(want.size, 5); // 2 versions x (model.onnx, model.json) + index.json
        const seen: MigrateProgress[] = [];
        const moved = await migrateLake(src, lake.root, {
          parallel: 2,
          onFile: (p) => seen.push(p),
        });
        const reg = moved.find((d) => d.registry);
        assert(reg, JSON.stringify(moved));
        assertEquals([reg.dataset, reg.entries, reg.files, reg.copied, reg.skipped], [
          "reference/models",
          2,
          4,
          4,
          false,
        ]);
        // Progress counts the model files with the data files.
        const dataFiles = moved.filter((d) => !d.registry).reduce((n, d) => n + d.files, 0);
        assertEquals(seen.at(-1)!.totalFiles, dataFiles + 4);
        assertEquals(seen.at(-1)!.files, dataFiles + 4);
        // The bucket holds the registry's files byte for byte, under the lake prefix.
        const remote = remoteOf(lake.root)!;
        for (const [rel, sha] of want) {
          const key = [remote.prefix, rel].filter((p) => p !== "").join("/");
          const bytes = await remote.bucket.get(key);
          assert(bytes, `missing ${key}`);
          assertEquals(await sha256Hex(bytes), sha, rel);
        }
        // A rerun copies nothing.
        const again = await migrateLake(src, lake.root);
        const reg2 = again.find((d) => d.registry)!;
        assertEquals([reg2.copied, reg2.skipped], [0, true]);
        // Back to a fresh folder: same files; the registry lists and loads both versions.
        await migrateLake(lake.root, back, { parallel: 3 });
        assertEquals(await registryFiles(back), want);
        assertEquals(listModels(undefined, { root: back }), listModels(undefined, { root: src }));
        assertEquals(listModels(undefined, { root: back }).map((e) => e.version), [1, 2]);
        for (const v of [1, 2]) {
          assertEquals(await predictions(back, v), await predictions(src, v));
        }
      } finally {
        await Deno.remove(src, { recursive: true });
        await Deno.remove(back, { recursive: true });
      }
    }),
});

Deno.test("lake-migrate: the model registry is carried to a local target, verified", async () => {
  const src = await sourceLake();
  const dst = await Deno.makeTempDir({ prefix: "mig-models-dst-" });
  const bad = await Deno.makeTempDir({ prefix: "mig-models-bad-" });
  try {
    const moved = await migrateLake(src, dst);
    assertEquals(moved.map((d) => d.dataset), ["curated/test/bars_minute", "reference/models"]);
    assertEquals(await registryFiles(dst), await registryFiles(src));
    assertEquals(await predictions(dst, 2), await predictions(src, 2));
    // A target registry file with other content is refused, and index.json is not written.
    const other = await Deno.makeTempDir({ prefix: "mig-models-other-" });
    try {
      Deno.mkdirSync(`${other}/reference/models/spy_ridge/1`, { recursive: true });
      Deno.writeTextFileSync(`${other}/reference/models/spy_ridge/1/model.onnx`, "not this");
      await assertRejects(() => migrateLake(src, other), MigrateError, "other content");
      assertEquals(
        [...(await registryFiles(other)).keys()].filter((k) => k.endsWith("index.json")),
        [],
      );
    } finally {
      await Deno.remove(other, { recursive: true });
    }
    // A source model.onnx that no longer matches its card's onnxSha256 stops the move.
    const onnx = `${src}/reference/models/spy_ridge/2/model.onnx`;
    const bytes = Deno.readFileSync(onnx);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    Deno.writeFileSync(onnx, bytes);
    await assertRejects(
      () => migrateLake(src, bad),
      MigrateError,
      "spy_ridge/2/model.onnx has sha256",
    );
    assertEquals(listModels(undefined, { root: bad }), []);
    // A version in the index without its files is named.
    Deno.removeSync(`${src}/reference/models/spy_ridge/2`, { recursive: true });
    await assertRejects(() => migrateLake(src, bad), MigrateError, "spy_ridge v2 is in index.json");
  } finally {
    for (const d of [src, dst, bad]) await Deno.remove(d, { recursive: true });
  }
});

Deno.test("lake-migrate task: reports the model registry", async () => {
  const src = await sourceLake();
  const dst = await Deno.makeTempDir({ prefix: "mig-models-task-" });
  try {
    const o = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--frozen",
        new URL("../../tasks/lake_migrate.ts", import.meta.url).pathname,
        "--from",
        src,
        "--to",
        `${dst}/lake`,
      ],
    }).output();
    const out = new TextDecoder().decode(o.stdout);
    assertEquals(o.code, 0, new TextDecoder().decode(o.stderr));
    assert(
      out.includes("reference/models: model registry, 4 files (4 copied") &&
        out.includes("2 model versions") && out.includes("and the model registry"),
      out,
    );
    assertEquals(listModels(undefined, { root: `${dst}/lake` }).length, 2);
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dst, { recursive: true });
  }
});
