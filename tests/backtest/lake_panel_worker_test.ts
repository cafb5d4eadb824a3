/**
 * loadPanelInWorker (lib/backtest/lake_panel_worker.ts) gives what loadPanel gives in this
 * thread: the same panel arrays bit for bit, the same corporate actions, manifest and files, and
 * on failure the same error class and message.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadPanel } from "../../lib/backtest/lake_panel.ts";
import { loadPanelInWorker, rebuildError } from "../../lib/backtest/lake_panel_worker.ts";
import { IntegrityError } from "../../lib/lake/integrity.ts";
import { NotAPriceError } from "../../lib/lake/units.ts";
import { clearDecodedCache } from "../../lib/lake/scan.ts";
import { writeTtrc, writeUsdThb } from "./_lake_fixtures.ts";
import type { DatasetRef } from "../../lib/dataset/mod.ts";

const ref = (
  dataset: string,
): DatasetRef => ({ source: "lake", dataset, adjust: "raw" } as DatasetRef);

function bytesOf(v: ArrayBufferView): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

Deno.test("loadPanelInWorker equals loadPanel, arrays bit for bit (daily OHLCV and 30-minute FX closes)", async () => {
  const root = await Deno.makeTempDir();
  try {
    await writeTtrc(root);
    await writeUsdThb(root);
    for (const name of ["user/ttrc_daily", "user/usdthb_30m"]) {
      const here = await loadPanel(ref(name), { root });
      const there = await loadPanelInWorker(ref(name), { root });
      const keys = Object.keys(here.panel).sort();
      assert.deepStrictEqual(Object.keys(there.panel).sort(), keys, name);
      let arrays = 0;
      for (const k of keys) {
        const a = (here.panel as unknown as Record<string, unknown>)[k];
        const b = (there.panel as unknown as Record<string, unknown>)[k];
        if (ArrayBuffer.isView(a)) {
          arrays++;
          assert.ok(ArrayBuffer.isView(b), `${name} ${k}`);
          assert.deepStrictEqual(b.constructor, a.constructor, `${name} ${k}`);
          assert.deepStrictEqual(bytesOf(b), bytesOf(a), `${name} ${k}`);
        } else assert.deepStrictEqual(b, a, `${name} ${k}`);
      }
      assert.ok(arrays >= 5, `${name}: ${arrays} arrays compared`);
      assert.deepStrictEqual(there.corporateActions, here.corporateActions);
      assert.deepStrictEqual(there.manifest, here.manifest);
      assert.deepStrictEqual(there.files, here.files);
      assert.deepStrictEqual(there.dataset, here.dataset);
      assert.deepStrictEqual(there.warnings, here.warnings);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("loadPanelInWorker fails as loadPanel does: unknown dataset (RangeError), damaged file (IntegrityError)", async () => {
  const root = await Deno.makeTempDir();
  try {
    await writeTtrc(root);
    const unknown = ref("user/no_such_dataset");
    const e1 = await loadPanel(unknown, { root }).catch((e) => e as Error);
    assert.ok(e1 instanceof RangeError, String(e1));
    const e2 = await loadPanelInWorker(unknown, { root }).catch((e) => e as Error);
    assert.ok(e2 instanceof RangeError, String(e2));
    assert.deepStrictEqual(e2.message, e1.message);

    // One byte of the committed file changed: its sha256 no longer matches the manifest.
    const { files } = await loadPanel(ref("user/ttrc_daily"), { root });
    const file = join(root, files[0]!.path);
    const bytes = await Deno.readFile(file);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = bytes[at]! ^ 0xff;
    await Deno.writeFile(file, bytes);
    clearDecodedCache();
    const e3 = await loadPanel(ref("user/ttrc_daily"), { root }).catch((e) => e as Error);
    assert.ok(e3 instanceof IntegrityError, String(e3));
    const e4 = await loadPanelInWorker(ref("user/ttrc_daily"), { root }).catch((e) => e as Error);
    assert.ok(e4 instanceof IntegrityError, String(e4));
    assert.deepStrictEqual(e4.message, e3.message);
    assert.deepStrictEqual(e4.file, (e3 as IntegrityError).file);
    assert.deepStrictEqual(e4.reason, (e3 as IntegrityError).reason);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("rebuildError keeps NotAPriceError's dataset and units", () => {
  const e = rebuildError({
    name: "NotAPriceError",
    message: "user/dgs10 is a yield",
    dataset: "user/dgs10",
    units: "percent",
  });
  assert.ok(e instanceof NotAPriceError, String(e));
  assert.deepStrictEqual([e.message, e.dataset, e.units], [
    "user/dgs10 is a yield",
    "user/dgs10",
    "percent",
  ]);
  assert.ok(rebuildError({ name: "Weird", message: "m" }) instanceof Error);
  assert.deepStrictEqual(rebuildError({ name: "Weird", message: "m" }).name, "Weird");
});
