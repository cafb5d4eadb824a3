import {
  acceptDrift,
  checkDrift,
  hasDrift,
  readWireSchema,
} from "../../lib/ingest/schema_drift.ts";
import { assert, assertEquals } from "../_assert.ts";

Deno.test("schema drift: first sight records, then additions, removals and type changes are reported", () => {
  const root = Deno.makeTempDirSync({ prefix: "drift-" });
  try {
    const base: Record<string, string>[] = [{ t: "number", o: "number", otc: "boolean" }, {
      t: "number",
      o: "number",
    }];
    assertEquals(hasDrift(checkDrift("polygon", "bars", base, root)), false);
    assertEquals(readWireSchema("polygon", "bars", root)!.fields, {
      t: { type: "number", required: true },
      o: { type: "number", required: true },
      otc: { type: "boolean", required: false },
    });
    // Same fields (optional one absent, a null value): no drift.
    assertEquals(
      hasDrift(checkDrift("polygon", "bars", [{ t: "number", o: "null" }], root)),
      false,
    );
    // Renamed o -> o_renamed and t now a string.
    const r = checkDrift("polygon", "bars", [{ t: "string", o_renamed: "number" }], root);
    assertEquals(r.added, [{ field: "o_renamed", type: "number" }]);
    assertEquals(r.removed, ["o"]);
    assertEquals(r.changed, [{ field: "t", from: "number", to: "string" }]);
    // Empty samples (no rows) say nothing.
    assertEquals(hasDrift(checkDrift("polygon", "bars", [{}], root)), false);
    // Accepting records the new shape.
    acceptDrift("polygon", "bars", [{ t: "string", o_renamed: "number" }], root);
    assertEquals(
      hasDrift(checkDrift("polygon", "bars", [{ t: "string", o_renamed: "number" }], root)),
      false,
    );
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("schema drift: empty aggregate pages (delisted ticker, no results) report no drift", async () => {
  const { scanAggs } = await import("../../lib/sources/_aggs_scan.ts");
  const { framesFromScan } = await import("../../lib/sources/polygon.ts");
  const root = Deno.makeTempDirSync({ prefix: "drift-" });
  try {
    const bar = (t: number) =>
      `{"v":1200,"vw":10.02,"o":10,"c":10.1,"h":10.2,"l":9.9,"t":${t},"n":7}`;
    const full = `{"ticker":"ZKH","queryCount":3,"resultsCount":3,"adjusted":true,` +
      `"results":[${bar(1e12)},${bar(1e12 + 864e5)},${bar(1e12 + 1728e5)}],"status":"OK"}`;
    const fieldsOf = (text: string) => framesFromScan(scanAggs(text), "ZKH", false).fields;
    // First sight records the eight bar fields.
    assertEquals(hasDrift(checkDrift("polygon", "stock_bars_day", [fieldsOf(full)], root)), false);
    assertEquals(
      Object.keys(readWireSchema("polygon", "stock_bars_day", root)!.fields).sort(),
      ["c", "h", "l", "n", "o", "t", "v", "vw"],
    );
    // A page with an empty results array, and one without results at all (a ticker delisted
    // before the window): nothing sampled, nothing reported.
    const emptyPages = [
      `{"ticker":"ZKH","queryCount":0,"resultsCount":0,"adjusted":true,"results":[],"status":"OK"}`,
      `{"ticker":"ZKH","queryCount":0,"resultsCount":0,"adjusted":true,"status":"OK"}`,
    ];
    for (const text of emptyPages) {
      assertEquals(scanAggs(text).sample, [], "no sample bars from an empty page");
      const r = checkDrift("polygon", "stock_bars_day", [fieldsOf(text)], root);
      assertEquals(r, {
        source: "polygon",
        dataset: "stock_bars_day",
        added: [],
        removed: [],
        changed: [],
      });
    }
    // Mixed with a full page in one unit: still no drift.
    const mixed = [fieldsOf(emptyPages[0]!), fieldsOf(full), fieldsOf(emptyPages[1]!)];
    assertEquals(hasDrift(checkDrift("polygon", "stock_bars_day", mixed, root)), false);
    // A field typed undefined (not a JSON value) is ignored rather than reported as a change.
    assertEquals(
      hasDrift(checkDrift("polygon", "stock_bars_day", [{ t: "undefined", o: "undefined" }], root)),
      false,
    );
    // A real change on the same path is still reported: t sent as a string (on every bar) goes
    // through the slow path, whose bars are sampled.
    const retyped = full.replace(/"t":(\d+)/g, '"t":"$1"');
    assert(retyped !== full && !/"t":\d/.test(retyped));
    const r = checkDrift("polygon", "stock_bars_day", [fieldsOf(retyped)], root);
    assertEquals(r.changed, [{ field: "t", from: "number", to: "string" }]);
    assertEquals(r.added, []);
    assertEquals(r.removed, []);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
