/**
 * Run as a stage is run (`sh -c 'exec "$@" 3>&1 >&2' sh deno run -A this.ts`): starts a child the
 * way a stage starts a child context (`spawnNodeChild`) and prints to stderr what the child holds
 * on fd 3: `inherited` when it is this process's frame channel, else `own`.
 *
 * @module
 */

import { spawnNodeChild } from "../../lib/transport/node_child.ts";
import { FRAMES_FD } from "../../lib/wire/protocol.ts";

const mine = Deno.readLinkSync(`/proc/self/fd/${FRAMES_FD}`);
let seen = "";
spawnNodeChild(
  { argv: ["sh", "-c", `readlink /proc/self/fd/${FRAMES_FD} || echo none`], env: {} },
  {
    receive(chunk) {
      seen += new TextDecoder().decode(chunk);
    },
    closed() {
      console.error(seen.trim() === mine ? "inherited" : "own");
    },
  },
);
