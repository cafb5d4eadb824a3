/**
 * Export-training specs are strict: a typo in any field is refused with its path and the nearest
 * known field (never exported with a default); `label.type` "simple" is a real option (simple
 * returns), and the specs the project ships (tasks/specs, notebooks) still parse.
 */
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import {
  ExportSpecSchema,
  LabelSpecSchema,
  resolveExportSpec,
  SimSourceSchema,
} from "../../lib/features/mod.ts";
import { panelLabels } from "../../lib/labels/mod.ts";

const RTOL = 1e-12;

const SPEC = {
  name: "eu_roc",
  data: { source: "lake", dataset: "user/eu_indices" },
  features: ["roc_5", "roc_20", "rsi_14"],
  label: { kind: "forward_return", horizon: 5 },
  trainEnd: "1996-01-01",
  cpcv: { groups: 6, testGroups: 2, embargoDays: 5 },
};

const refusal = (raw: unknown) => assertThrows(() => resolveExportSpec(raw), RangeError).message;

Deno.test("export spec: label.horizn refused with did-you-mean (trial exp_typo.json)", () => {
  assertEquals(
    refusal({ ...SPEC, label: { kind: "forward_return", horizn: 20 } }),
    'label.horizn: unknown field (did you mean "horizon"?)',
  );
});

Deno.test("export spec: unknown fields at every level, wrong label kinds' fields", () => {
  assertEquals(
    refusal({ ...SPEC, trainend: "1996-01-01", trainEnd: undefined }),
    'trainend: unknown field (did you mean "trainEnd"?)',
  );
  assertEquals(
    refusal({ ...SPEC, cpcv: { groups: 6, testGroups: 2, embargo: 5 } }),
    'cpcv.embargo: unknown field (did you mean "embargoDays"?)',
  );
  assertEquals(
    refusal({ ...SPEC, data: { source: "lake", dataset: "user/eu_indices", symbol: ["DAX"] } }),
    'data.symbol: unknown field (did you mean "symbols"?)',
  );
  assertEquals(
    refusal({
      ...SPEC,
      data: undefined,
      source: { kind: "sim", start: "2020-01-02", end: "2020-06-30", equitycount: 3 },
    }),
    'source.equitycount: unknown field (did you mean "equityCount"?)',
  );
  // horizon belongs to forward_return, not overnight
  assert(
    refusal({ ...SPEC, label: { kind: "overnight", horizon: 5 } }).startsWith(
      "label.horizon: unknown field",
    ),
  );
  assert(
    refusal({ ...SPEC, label: { kind: "forward_return", type: "simpel" } }).startsWith(
      "label.type: ",
    ),
  );
  // a prefix for train specs' data
  assertEquals(
    assertThrows(
      () => resolveExportSpec({ ...SPEC, labl: {} }, undefined, { path: ["data"] }),
      RangeError,
    )
      .message.split("; ")[0],
    'data.labl: unknown field (did you mean "label"?)',
  );
});

Deno.test("export spec: an unknown feature names the near one and lists the known", () => {
  const msg = refusal({ ...SPEC, features: ["roc_5", "rsi_99"] });
  assert(
    msg.startsWith('features: unknown feature "rsi_99" (did you mean "rsi_14"?); known: '),
    msg,
  );
  assert(msg.includes("roc_20") && msg.includes("vol_63"), msg);
});

Deno.test("export spec: valid specs parse, the parsed spec keeps only known fields", () => {
  const s = resolveExportSpec(SPEC);
  assertEquals(s.label, { kind: "forward_return", horizon: 5 });
  assertEquals(s.source, { source: "lake", dataset: "user/eu_indices", adjust: "raw" });
  assert(!("data" in s));
  const simple = resolveExportSpec({
    ...SPEC,
    label: { kind: "forward_return", horizon: 5, type: "simple" },
  });
  assertEquals(simple.label, { kind: "forward_return", horizon: 5, type: "simple" });
  // a lake root in data is a known field, kept for the loader (it was dropped before)
  const rooted = resolveExportSpec({ ...SPEC, data: { ...SPEC.data, root: "/lakes/a" } });
  assertEquals((rooted.source as { root?: string }).root, "/lakes/a");
  const shipped = JSON.parse(
    Deno.readTextFileSync(new URL("../../tasks/specs/export_user_daily.json", import.meta.url)),
  );
  assertEquals(resolveExportSpec(shipped).name, "user_daily_roc");
});

Deno.test("label type: simple is C_{t+h}/C_t - 1, log (default) ln(C_{t+h}/C_t), hand-worked", () => {
  const panel = {
    dates: ["2024-01-02", "2024-01-03", "2024-01-04"],
    symbols: ["A"],
    open: Float64Array.from([100, 110, 99]),
    close: Float64Array.from([100, 110, 99]),
  };
  const simple = panelLabels(panel, { kind: "forward_return", horizon: 1, type: "simple" }).label;
  assertAlmostEquals(simple[0]!, 0.1, RTOL); // 110 / 100 - 1
  assertAlmostEquals(simple[1]!, -0.1, RTOL); // 99 / 110 - 1
  assert(Number.isNaN(simple[2]!));
  const log = panelLabels(panel, { kind: "forward_return", horizon: 1 }).label;
  assertAlmostEquals(log[0]!, 0.09531017980432493, RTOL); // ln 1.1
  assertAlmostEquals(log[1]!, -0.10536051565782628, RTOL); // ln 0.9
  const h2 = panelLabels(panel, { kind: "forward_return", horizon: 2, type: "simple" }).label;
  assertAlmostEquals(h2[0]!, -0.01, RTOL); // 99 / 100 - 1
});

/** Object literals of a notebook's code cells matching `re` (group 1), evaluated as JS. */
function notebookLiterals(name: string, re: RegExp): unknown[] {
  const nb = JSON.parse(Deno.readTextFileSync(new URL(`../../notebooks/${name}`, import.meta.url)));
  const code = nb.cells.filter((c: { cell_type: string }) => c.cell_type === "code")
    .map((c: { source: string | string[] }) =>
      Array.isArray(c.source) ? c.source.join("") : c.source
    )
    .join("\n");
  return [...code.matchAll(re)].map((m) =>
    new Function(`return (${m[1]!.replaceAll(" as const", "")});`)()
  );
}

Deno.test("export spec: the notebooks' specs, labels and sources parse", () => {
  const specs = notebookLiterals("models.ipynb", /const spec = (\{[\s\S]*?\n\});/g);
  assertEquals(specs.length, 1);
  for (const s of specs) {
    const r = ExportSpecSchema.safeParse(s);
    assert(r.success, JSON.stringify(s));
  }
  const labels = notebookLiterals(
    "features_and_labels.ipynb",
    /panelLabels\(panel, (\{[^}]*\})\)/g,
  );
  assert(labels.length >= 3, `${labels.length} labels`);
  for (const l of labels) assert(LabelSpecSchema.safeParse(l).success, JSON.stringify(l));
  const sources = [
    ...notebookLiterals("features_and_labels.ipynb", /const source = (\{[^}]*\});/g),
    ...notebookLiterals("models.ipynb", /loadDailyBars\((\{[^}]*\})\)/g),
  ];
  assertEquals(sources.length, 2);
  for (const s of sources) assert(SimSourceSchema.safeParse(s).success, JSON.stringify(s));
});
