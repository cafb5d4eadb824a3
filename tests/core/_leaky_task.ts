// A task that tries every way of printing a key it read from the environment itself (never as a
// Secret): console.log, console.error with objects, the logger, and a failing error. The test
// checks that no 8-character piece of the key reaches stdout or stderr.
import { defineTask, runTask } from "../../lib/cli/mod.ts";
import { log } from "../../lib/core/log.ts";

const TASK = defineTask({ name: "leaky", summary: "Leak a key (test).", options: {} });
await runTask(TASK, () => {
  const key = Deno.env.get("LEAKY_VENDOR_API_KEY")!;
  console.log(`printed: ${key} ${key.toLowerCase()} ${key.slice(0, 12)}`);
  console.log("printed: %s", key.toUpperCase(), { nested: { key } });
  console.error(new Error(`boom ${key}`));
  log.warn("leak", { url: `https://h/x?q=${key}`, half: key.slice(16) });
  throw new Error(`vendor said: unknown key ${key.slice(2, 15).toLowerCase()} | ${key}`);
});
