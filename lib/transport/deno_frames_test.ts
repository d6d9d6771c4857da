import assert from "node:assert/strict";
import { DenoFrames, DenoFramesLock, HostWriter } from "./deno_frames.ts";

/** A pipe whose write end is a child's stdout: two descriptions of it, and what it carries. */
async function withPipe(
  body: (
    a: DenoFrames,
    b: DenoFrames,
    read: (n: number) => Promise<Uint8Array>,
  ) => void | Promise<void>,
): Promise<void> {
  const child = new Deno.Command("sleep", { args: ["30"], stdout: "piped" }).spawn();
  const reader = child.stdout.getReader({ mode: "byob" });
  const read = async (n: number) => {
    const out = new Uint8Array(n);
    for (let at = 0; at < n;) {
      const { value } = await reader.read(new Uint8Array(n - at));
      out.set(value!, at);
      at += value!.length;
    }
    return out;
  };
  const a = DenoFrames.open(`/proc/${child.pid}/fd/1`)!;
  const b = DenoFrames.open(`/proc/${child.pid}/fd/1`)!;
  try {
    assert.ok(a && b, "the pipe opens again through /proc");
    await body(a, b, read);
  } finally {
    a?.close();
    b?.close();
    child.kill();
    reader.releaseLock();
    await child.stdout.cancel();
    await child.status;
  }
}

Deno.test("DenoFrames: two descriptions of one pipe share its lock", async () => {
  await withPipe((a, b) => {
    assert.ok(a.tryLock());
    assert.equal(b.tryLock(), false, "held by the other description");
    a.unlock();
    assert.ok(b.tryLock());
    b.unlock();
  });
});

Deno.test("DenoFrames writes a frame larger than the pipe whole, blocking while it is read", async () => {
  // `sha256sum` reads the pipe in another process while this one blocks in write(2).
  const child = new Deno.Command("sha256sum", { stdin: "piped", stdout: "piped" }).spawn();
  const frames = DenoFrames.open(`/proc/${child.pid}/fd/0`)!;
  assert.ok(frames);
  const frame = new Uint8Array(3 << 20).map((_, i) => (i * 7) & 255);
  frames.writeAll(frame);
  frames.close();
  await child.stdin.close();
  const out = new TextDecoder().decode((await child.output()).stdout);
  const sum = new Uint8Array(await crypto.subtle.digest("SHA-256", frame));
  assert.equal(out.split(" ")[0], Array.from(sum, (b) => b.toString(16).padStart(2, "0")).join(""));
});

Deno.test("the router's lock nests, and the host writes only when it is free", async () => {
  await withPipe(async (a, b, read) => {
    const lock = new DenoFramesLock(a);
    const host = new HostWriter(b);
    const outer = lock.hold();
    const inner = lock.hold();
    inner();
    assert.equal(host.write(new Uint8Array([1])), false, "the router still holds the lock");
    outer();
    assert.ok(host.write(new Uint8Array([2])));
    lock.with(() => a.writeAll(new Uint8Array([3])));
    assert.deepEqual(await read(2), new Uint8Array([2, 3]));
  });
});

Deno.test("the host writes only once the router handled what the host handed it", async () => {
  await withPipe(async (_a, b, read) => {
    const host = new HostWriter(b);
    host.posted();
    assert.equal(host.write(new Uint8Array([1])), false, "a message is still on its way");
    host.handled(1);
    assert.ok(host.write(new Uint8Array([2])));
    assert.equal(host.ended(), false, "the router is told by a message");
    assert.deepEqual(await read(1), new Uint8Array([2]));
  });
});
