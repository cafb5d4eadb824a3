/** Checkpoints survive a torn last line and garbage: bad lines are skipped and reported. */
import { setLogSink } from "../../lib/core/log.ts";
import {
  appendCheckpoint,
  checkpointPath,
  doneUnits,
  readCheckpoint,
} from "../../lib/ingest/checkpoint.ts";
import { assert, assertEquals } from "../_assert.ts";

const entry = (unit: string) => ({
  unit,
  status: "done" as const,
  rawRows: 1,
  curatedRows: -1,
  quarantined: 0,
  at: "2024-01-02T00:00:00.000Z",
});

Deno.test("a torn last line is skipped (and named), the next append starts on a new line", async () => {
  const root = Deno.makeTempDirSync({ prefix: "cp-" });
  const lines: string[] = [];
  const prev = setLogSink((l) => lines.push(l));
  try {
    await appendCheckpoint("job", entry("u1"), root);
    const path = checkpointPath("job", root);
    // A process killed mid-append leaves half a line.
    Deno.writeTextFileSync(path, '{"unit":"u2","stat', { append: true });
    assertEquals(readCheckpoint("job", root).map((e) => e.unit), ["u1"]);
    assert(lines.some((l) =>
      l.includes("ingest.checkpoint.bad_line") && l.includes(path) &&
      l.includes('"line":2')
    ));
    await appendCheckpoint("job", [entry("u2"), entry("u3")], root);
    assertEquals([...doneUnits("job", root)].sort(), ["u1", "u2", "u3"]);
    // Garbage that parses as JSON but is no entry is skipped too.
    Deno.writeTextFileSync(path, '[1,2]\n{"unit":5}\n', { append: true });
    assertEquals(readCheckpoint("job", root).length, 3);
  } finally {
    setLogSink(prev);
    Deno.removeSync(root, { recursive: true });
  }
});
