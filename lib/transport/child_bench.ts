// Round trips of a 58-byte frame through a local `cat`, on the transport the master and the stage
// use (`node:child_process`) against `Deno.Command`'s Web Streams: `deno bench lib/transport/child_bench.ts`.
import { spawnNodeChild } from "./node_child.ts";

const FRAME = new Uint8Array(58).fill(0x61);
const ROUNDS = 100;

/** An echo through spawnNodeChild: `ROUNDS` sequential round trips a call. */
function nodeChild(): () => Promise<void> {
  let got = 0;
  let wanted = 0;
  let wake: (() => void) | undefined;
  const child = spawnNodeChild({ argv: ["cat"], env: {} }, {
    receive: (chunk) => (got += chunk.length, wake?.()),
    closed: () => {},
  });
  addEventListener("unload", () => child.kill());
  return async () => {
    for (let i = 0; i < ROUNDS; i++) {
      child.send(FRAME);
      wanted += FRAME.length;
      while (got < wanted) await new Promise<void>((r) => wake = r);
    }
  };
}

/** The same through Deno.Command's stdin writer and stdout reader. */
function denoCommand(): () => Promise<void> {
  const child = new Deno.Command("cat", { stdin: "piped", stdout: "piped" }).spawn();
  const writer = child.stdin.getWriter();
  const reader = child.stdout.getReader();
  addEventListener("unload", () => child.kill());
  let got = 0;
  let wanted = 0;
  return async () => {
    for (let i = 0; i < ROUNDS; i++) {
      void writer.write(FRAME);
      wanted += FRAME.length;
      while (got < wanted) got += (await reader.read()).value!.length;
    }
  };
}

Deno.bench(`${ROUNDS} round trips through cat, node:child_process`, {
  group: "child",
  baseline: true,
}, nodeChild());
Deno.bench(`${ROUNDS} round trips through cat, Deno.Command`, { group: "child" }, denoCommand());
