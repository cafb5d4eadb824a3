import {
  acceptDrift,
  checkDrift,
  hasDrift,
  readWireSchema,
} from "../../lib/ingest/schema_drift.ts";
import { assertEquals } from "../_assert.ts";

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
