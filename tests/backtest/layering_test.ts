/**
 * One direction of flow (DESIGN.md): lib/execution (costs) sits below lib/backtest, which sits
 * below lib/report and lib/demo. A lower layer never imports a higher one; this test reads the
 * import specifiers of every file of the two lower areas.
 */
import assert from "node:assert/strict";

const LIB = new URL("../../lib/", import.meta.url);
const ABOVE: Record<string, string[]> = {
  execution: ["backtest", "report", "demo", "research_template"],
  backtest: ["report", "demo", "research_template"],
};

Deno.test("lib/execution and lib/backtest import nothing from the layers above them", () => {
  for (const [area, above] of Object.entries(ABOVE)) {
    const dir = new URL(`${area}/`, LIB);
    let files = 0;
    for (const e of Deno.readDirSync(dir)) {
      if (!e.name.endsWith(".ts")) continue;
      files++;
      const text = Deno.readTextFileSync(new URL(e.name, dir));
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"(\.\.\/[^"]+)"/g)) {
        const target = m[1]!.split("/")[1]!;
        assert.ok(
          !above.includes(target),
          `lib/${area}/${e.name} imports ${m[1]} (lib/${target} is above lib/${area})`,
        );
      }
    }
    assert.ok(files > 3, `read lib/${area}`);
  }
});
