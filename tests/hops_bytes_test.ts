import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { ExitCode, Router } from "../mod.ts";
import { runCli } from "./_fixtures/cli.ts";
import { namespacesUnavailableReason, startTestNetwork } from "./_fixtures/netns.ts";

// In CI a machine without namespaces fails these tests; elsewhere they are ignored, loudly.
const unavailable = await namespacesUnavailableReason();
const ignore = unavailable !== undefined && !Deno.env.get("CI");
if (ignore) console.warn(`Ignoring the tests of bytes through hops: ${unavailable}`);

const MiB = 1024 * 1024;

/** `size` bytes that differ everywhere, so a shifted or overwritten chunk shows. */
function pattern(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13, x ^= x >>> 17, x ^= x << 5;
    out[i] = x, out[i + 1] = x >>> 8, out[i + 2] = x >>> 16, out[i + 3] = x >>> 24;
  }
  return out;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Echoes its arguments back: 70 KB goes down through every hop and comes back up. */
const echo = (bytes: Uint8Array, text: string) => ({ bytes, text });

// Frames routed *down* through a remote stage (to a context it started) once arrived corrupted
// when they were large or many: the stage forwarded a view of its read buffer a microtask late.
Deno.test({
  name: "big frames and many calls travel down through hops byte for byte",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  await using net = await startTestNetwork();
  const connect = { sshConfig: net.sshConfig, identity: net.identity };
  const cli = ["-F", net.sshConfig, "--identity", net.identity];
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-hops-" });
  const files = new Map<number, string>();
  for (const size of [8, 64]) {
    const bytes = pattern(size * MiB, size);
    await Deno.writeFile(`${dir}/${size}.bin`, bytes);
    files.set(size, await sha256(bytes));
  }
  const targets = [
    { target: "bastion/web1", user: net.user },
    { target: `bastion/web1/sudo:${net.sudoUser}`, user: net.sudoUser },
  ];
  try {
    for (const { target, user } of targets) {
      const remoteDir = `/tmp/mitoctl-hops-${net.id}-${user}`;
      for (const [size, hash] of files) {
        await t.step(`a ${size} MiB push to ${target} arrives whole`, async () => {
          const dest = `${remoteDir}/${size}.bin`;
          const r = await runCli(["push", ...cli, target, `${dir}/${size}.bin`, dest]);
          strictEqual(r.code, ExitCode.ok, r.stdout + r.stderr);
          const sum = await net.exec("web1", ["sha256sum", dest]);
          strictEqual(sum.stdout.split(" ")[0], hash, sum.stderr);
          const owner = await net.exec("web1", ["stat", "-c", "%U", dest]);
          strictEqual(owner.stdout.trim(), user);
        });
      }
      await t.step(`8 concurrent calls with 70 KB arguments reach ${target} intact`, async () => {
        await using router = new Router();
        // A per-call limit: a call lost on the way fails the step instead of hanging it.
        const ctx = await router.connect(target, { ...connect, timeout: 30_000 });
        const sent = Array.from({ length: 8 }, (_, i) => ({
          bytes: pattern(70_000, 100 + i),
          text: `${i}:`.padEnd(70_000, String.fromCharCode(0x41 + i)),
        }));
        const got = await Promise.all(sent.map((s) => ctx.eval(echo, s.bytes, s.text)));
        for (const [i, s] of sent.entries()) {
          deepStrictEqual(got[i]!.bytes, s.bytes, `call ${i}: bytes`);
          strictEqual(got[i]!.text, s.text, `call ${i}: text`);
        }
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
