import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { encode } from "../wire/codec.ts";
import { encodeFrame, frameOf } from "../wire/frame.ts";
import type { Message } from "../wire/protocol.ts";
import { RouterCore } from "./router.ts";

/** A link that keeps what is written to it. */
class Recorder {
  readonly sent: Uint8Array[] = [];
  send(frame: Uint8Array): void {
    this.sent.push(frame);
  }
}

const call = (id: number): Message => ({
  t: "call",
  id,
  mod: "node:os",
  fn: "hostname",
  args: encode([]),
});
const frame = (dst: number, src: number, msg: Message) =>
  frameOf(encodeFrame(dst, src, encode(msg)));

/** Context 3 below the master (0) and bastion 1, with child 5 behind link `below`. */
function remote() {
  const up = new Recorder();
  const below = new Recorder();
  const core = new RouterCore<Recorder>(-1, up);
  const init: Message = {
    t: "init",
    id: 3,
    name: "web1",
    title: "t",
    parent: 1,
    ancestors: [0, 1],
  };
  strictEqual(core.receive(up, frame(3, 1, init)).t, "local");
  core.add(5, below);
  return { core, up, below };
}

Deno.test("RouterCore takes only init before it knows its id", () => {
  const up = new Recorder();
  const core = new RouterCore<Recorder>(-1, up);
  deepStrictEqual(core.receive(up, frame(0, 0, call(1))), { t: "ignored" });
  const init: Message = { t: "init", id: 7, name: "n", title: "t", parent: 0, ancestors: [0] };
  strictEqual(core.receive(up, frame(7, 0, init)).t, "local");
  strictEqual(core.id, 7);
  deepStrictEqual([...core.ancestors], [0]);
  // A second init changes nothing.
  const again: Message = { ...init, id: 9, ancestors: [0, 4] };
  deepStrictEqual(core.receive(up, frame(7, 0, again)), { t: "ignored" });
  strictEqual(core.id, 7);
});

Deno.test("RouterCore passes frames on by header, the very bytes that came", () => {
  const { core, up, below } = remote();
  core.follow(8, 5);
  const down = frame(8, 0, call(1));
  deepStrictEqual(core.receive(up, down), { t: "forwarded", to: below });
  strictEqual(below.sent[0], down.bytes);
  const upward = frame(0, 8, { t: "log", level: "info", msg: "hi" });
  deepStrictEqual(core.receive(below, upward), { t: "forwarded", to: up });
  strictEqual(up.sent[0], upward.bytes);
  // From above, for a context with no route here: nowhere to go (never back up).
  deepStrictEqual(core.receive(up, frame(42, 0, call(2))), { t: "unroutable" });
  strictEqual(up.sent.length, 1);
});

Deno.test("RouterCore passes on a frame that does not decode, untouched", () => {
  const { core, up, below } = remote();
  const junk = encodeFrame(5, 0, new Uint8Array([0xc1, 0xc1]));
  strictEqual(core.receive(up, frameOf(junk)).t, "forwarded");
  strictEqual(below.sent[0], junk);
});

Deno.test("RouterCore drops frames whose source is not behind the link they came by", () => {
  const { core, up, below } = remote();
  const other = new Recorder();
  core.add(6, other);
  // Child 5 posing as the master, as this context, as its sibling 6, as a context never seen.
  for (const src of [0, 3, 6, 99]) {
    deepStrictEqual(core.receive(below, frame(0, src, call(1))), {
      t: "forged",
      src,
      known: src === 6,
    });
  }
  // From above, claiming to be the child.
  deepStrictEqual(core.receive(up, frame(3, 5, call(1))), { t: "forged", src: 5, known: true });
  deepStrictEqual([up.sent, below.sent, other.sent], [[], [], []]);
});

Deno.test("RouterCore in the master: everything comes from below, unknown sources are forged", () => {
  const conn = new Recorder();
  const other = new Recorder();
  const core = new RouterCore<Recorder>(0);
  core.add(1, conn);
  core.add(2, other);
  const log: Message = { t: "log", level: "info", msg: "x" };
  strictEqual(core.receive(conn, frame(0, 1, log)).t, "local");
  deepStrictEqual(core.receive(conn, frame(0, 0, log)), { t: "forged", src: 0, known: false });
  deepStrictEqual(core.receive(conn, frame(0, 7, log)), { t: "forged", src: 7, known: false });
  // Between two contexts: on to the callee, unchanged.
  const between = frame(2, 1, call(4));
  strictEqual(core.receive(conn, between).t, "forwarded");
  strictEqual(other.sent[0], between.bytes);
  // Never back the way it came.
  deepStrictEqual(core.receive(conn, frame(1, 2, call(4))), { t: "forged", src: 2, known: true });
  // A call into the master is refused; the master answers nothing to it.
  strictEqual(core.receive(conn, frame(0, 1, call(5))).t, "refused");
});

Deno.test("RouterCore lets a context below answer, report and ask, never command", () => {
  const { core, below } = remote();
  for (
    const msg of [
      { t: "ok", id: 1, value: encode(1) },
      { t: "mreq", id: 2, url: "file:///a.ts" },
      { t: "log", level: "warn", msg: "w" },
    ] satisfies Message[]
  ) {
    deepStrictEqual(core.receive(below, frame(3, 5, msg)), {
      t: "local",
      src: 5,
      msg,
      below: true,
    });
  }
  deepStrictEqual(core.receive(below, frame(3, 5, call(9))), {
    t: "refused",
    src: 5,
    msg: call(9),
    why: "Context 5 may not call into context 3",
  });
  for (const t of ["cancel", "stop", "bye", "mres"] as const) {
    const msg = { t, id: 1 } as unknown as Message;
    deepStrictEqual(core.receive(below, frame(3, 5, msg)), { t: "ignored" }, t);
  }
  const grant: Message = { t: "grant", from: 5 };
  deepStrictEqual(core.receive(below, frame(3, 5, grant)), { t: "ignored" });
  strictEqual(core.mayCall(5), false);
});

Deno.test("RouterCore lets a granted context call only while its grants last", () => {
  const { core, up } = remote();
  const refused = {
    t: "refused",
    src: 9,
    msg: call(1),
    why: "Context 9 may not call into context 3: no grant, or it ended with the call that " +
      "handed it over",
  };
  deepStrictEqual(core.receive(up, frame(3, 9, call(1))), refused);
  // Only the master grants: the bastion above cannot.
  core.receive(up, frame(3, 1, { t: "grant", from: 9 }));
  strictEqual(core.mayCall(9), false);
  core.receive(up, frame(3, 0, { t: "grant", from: 9 }));
  core.receive(up, frame(3, 0, { t: "grant", from: 9 }));
  strictEqual(core.receive(up, frame(3, 9, call(1))).t, "local");
  strictEqual(core.receive(up, frame(3, 9, { t: "cancel", id: 1 })).t, "local");
  // Steering its calls, never the context.
  deepStrictEqual(core.receive(up, frame(3, 9, { t: "close", id: 5 })), { t: "ignored" });
  core.receive(up, frame(3, 0, { t: "revoke", from: 9 }));
  strictEqual(core.mayCall(9), true);
  core.receive(up, frame(3, 0, { t: "revoke", from: 9 }));
  deepStrictEqual(core.receive(up, frame(3, 9, call(1))), refused);
});

Deno.test("RouterCore lets ancestors send anything", () => {
  const { core, up } = remote();
  for (const src of [0, 1]) {
    const msg: Message = { t: "close", id: 5 };
    deepStrictEqual(core.receive(up, frame(3, src, msg)), { t: "local", src, msg, below: false });
  }
});

Deno.test("RouterCore forgets the routes of a link, or moves them to another", () => {
  const { core, below } = remote();
  core.follow(8, 5);
  strictEqual(core.follow(11, 404), false);
  const again = new Recorder();
  core.relink(below, again);
  strictEqual(core.linkOf(8), again);
  deepStrictEqual(core.dropLink(again), [5, 8]);
  strictEqual(core.linkOf(5), undefined);
});

Deno.test("RouterCore refuses a frame for itself that holds no message", () => {
  const { core, up } = remote();
  throws(() => core.receive(up, frameOf(encodeFrame(3, 0, encode(42)))), {
    name: "FrameError",
    message: "Frame does not hold a message",
  });
  throws(() => core.receive(up, frameOf(encodeFrame(3, 0, new Uint8Array([0xc1])))), {
    name: "FrameError",
    message: /^Undecodable frame: /,
  });
});
