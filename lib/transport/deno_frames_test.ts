import assert from "node:assert/strict";
import { DenoFrames, DenoFramesLock, HostWriter, SharedPage } from "./deno_frames.ts";
import { WorkerCounts } from "./shared_frames.ts";

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
    using page = counts();
    const host = new HostWriter(b, page.words);
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

/** A page of counts, unmapped at the end of the scope. */
function counts(): SharedPage & Disposable {
  const page = SharedPage.create();
  assert.ok(page, "a memfd is made and mapped");
  return Object.assign(page, { [Symbol.dispose]: () => page.close() });
}

Deno.test("the host writes only once the router handled what the host handed it", async () => {
  await withPipe(async (_a, b, read) => {
    using page = counts();
    const router = new WorkerCounts(page.words);
    const host = new HostWriter(b, page.words);
    host.posted();
    assert.equal(host.write(new Uint8Array([1]), 4), false, "a message is still on its way");
    router.handled();
    assert.equal(host.write(new Uint8Array([2]), 5), true);
    const ended: number[] = [];
    router.ended((id) => ended.push(id));
    assert.deepEqual(ended, [5], "the router reads which call ended from the page");
    assert.deepEqual(await read(1), new Uint8Array([2]));
  });
});

Deno.test("another process maps the counts' page through /proc and shares its words", async () => {
  using page = counts();
  page.words[6] = 77;
  const module = new URL("./deno_frames.ts", import.meta.url).href;
  const code = `const { SharedPage } = await import(${JSON.stringify(module)});
    const page = SharedPage.open("/proc/${Deno.pid}/fd/${page.fd}");
    console.log(page.words[6]); page.words[5] = 1234;`;
  const { code: status, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", code],
    stderr: "inherit",
  }).output();
  assert.equal(status, 0);
  assert.equal(new TextDecoder().decode(stdout).trim(), "77");
  assert.equal(page.words[5], 1234);
  assert.equal(SharedPage.open("/proc/self/fd/999999"), undefined, "a missing page is refused");
});
