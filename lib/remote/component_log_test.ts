import { strictEqual } from "node:assert/strict";
import { followLog, tailLog } from "./component_log.ts";

Deno.test("tailLog() joins the rotated file and the current one, and cuts to the last lines", async () => {
  const dir = await Deno.makeTempDir();
  try {
    strictEqual(tailLog(dir), "");
    await Deno.writeTextFile(`${dir}/log.1`, "1\n2\n");
    await Deno.writeTextFile(`${dir}/log`, "3\n4\n");
    strictEqual(tailLog(dir), "1\n2\n3\n4\n");
    strictEqual(tailLog(dir, 3), "2\n3\n4\n");
    strictEqual(tailLog(dir, 0), "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("followLog() yields new lines across a rotation and what was written before removal", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/log`, "old-1\nold-2\n");
    let alive = true;
    const seen: string[] = [];
    const following = (async () => {
      for await (const text of followLog(dir, { lines: 1, alive: () => alive })) seen.push(text);
    })();
    /** Waits until the follower has yielded `text`: it has read that far. */
    const until = async (text: string) => {
      while (!seen.join("").includes(text)) await new Promise((r) => setTimeout(r, 5));
    };
    await until("old-2\n");
    // One write: the read that yields "new-1" has also read the partial line after it.
    await Deno.writeTextFile(`${dir}/log`, "new-1\npart", { append: true });
    await until("new-1\n");
    await Deno.writeTextFile(`${dir}/log`, "ial\n", { append: true });
    await Deno.rename(`${dir}/log`, `${dir}/log.1`);
    await Deno.writeTextFile(`${dir}/log`, "rotated\n");
    await until("rotated\n");
    await Deno.writeTextFile(`${dir}/log`, "last\n", { append: true });
    await Deno.remove(dir, { recursive: true });
    alive = false;
    await following;
    strictEqual(seen.join(""), "old-2\nnew-1\npartial\nrotated\nlast\n");
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
