// Helper process for lock.test.ts: takes the stage lock of DIR, builds DIR unless built (args: DIR LOG HOLD_MS).
import { join } from "node:path";
import { withStageLock } from "../../src/util/lock.ts";
import { exists } from "../../src/util/fs.ts";

const [dir, log, holdMs] = Deno.args;
const say = (what: string) => Deno.writeTextFileSync(log, `${Deno.pid} ${what}\n`, { append: true });

await withStageLock(dir, async () => {
  say("in");
  if (exists(join(dir, "stage.json"))) say("reused");
  else {
    Deno.mkdirSync(dir, { recursive: true });
    console.log("locked");
    await new Promise((r) => setTimeout(r, Number(holdMs)));
    Deno.writeTextFileSync(join(dir, "stage.json"), "{}\n");
    say("built");
  }
  say("out");
}, { pollMs: 50, heartbeatMs: 100, staleMs: 5_000, onWait: (h) => say(`waiting-for ${h?.pid}`) });
