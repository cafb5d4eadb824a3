/**
 * runDemo with the world started early (lib/demo/start.ts): a run that fails before it plans the
 * rest of the prefetch stops the workers startDemo started, so nothing keeps running after it.
 */
import { assertRejects } from "../_assert.ts";
import { runDemo } from "../../lib/demo/mod.ts";
import { startDemo } from "../../lib/demo/start.ts";

Deno.test("runDemo: a run that fails early stops the prefetch workers startDemo started", async () => {
  const started = startDemo({ seed: 3, days: 300, equities: 4 });
  const file = await Deno.makeTempFile({ prefix: "demo-root-" });
  try {
    // The lake root is a file: the run fails before it ingests anything.
    await assertRejects(() =>
      runDemo({ root: `${file}/lake`, outDir: `${file}/out`, print: () => {} }, started)
    );
    // Resolves only once the workers were ended (the test's sanitizers also see a leaked worker).
    await started.prefetch.done;
  } finally {
    await Deno.remove(file);
  }
});
