import assert from "node:assert/strict";
import { mitogenLocal, MitogenPeer, probeMitogen, SYSTEM_PYTHON } from "./mitogen.ts";

// A real Mitogen master and a real context (router.local(): a second Python on this machine),
// so the peer the bench drives cannot rot unseen; ssh is the bench's business.
const LOCAL = { python: SYSTEM_PYTHON, connection: mitogenLocal() };

function commandOf(pid: number): string {
  return Deno.readTextFileSync(`/proc/${pid}/comm`).trim();
}

Deno.test("probeMitogen() finds Mitogen in the system Python", async () => {
  const probe = await probeMitogen();
  assert.ok("version" in probe, JSON.stringify(probe));
  assert.match(probe.version, /^Mitogen \d+\.\d+\.\d+, Python 3\.\d+/);
});

Deno.test("probeMitogen() says why a Python cannot serve", async () => {
  assert.deepEqual(await probeMitogen("/bin/false"), {
    missing: '"/bin/false" cannot import mitogen (exit code 1)',
  });
  const absent = await probeMitogen("/nonexistent/python3");
  assert.ok("missing" in absent);
  assert.match(absent.missing, /^"\/nonexistent\/python3" does not run \(.+\)$/);
});

Deno.test("MitogenPeer runs every kind of work the bench asks on a Mitogen context", async () => {
  await using peer = await MitogenPeer.start(LOCAL);
  assert.match(commandOf(peer.pid), /^python3/);
  const { ctx, pid, ms } = await peer.connect();
  assert.notEqual(pid, peer.pid);
  assert.match(commandOf(pid), /^python3/);
  assert.ok(ms > 0);
  assert.equal((await peer.noop(ctx, 3)).length, 3);
  assert.equal((await peer.noop(ctx, 2, "module")).length, 2);
  assert.ok(await peer.spawn(ctx, 2) > 0);
  assert.ok(await peer.payload(ctx, 1 << 20) > 0);

  const dir = await Deno.makeTempDir({ prefix: "mitoctl-bench-mitogen-" });
  try {
    const data = crypto.getRandomValues(new Uint8Array(65536));
    await Deno.writeFile(`${dir}/source`, data);
    await peer.push(ctx, `${dir}/source`, `${dir}/pushed`);
    assert.deepEqual(await Deno.readFile(`${dir}/pushed`), data);
    await peer.pull(ctx, `${dir}/pushed`, `${dir}/pulled`);
    assert.deepEqual(await Deno.readFile(`${dir}/pulled`), data);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  await peer.shut(ctx);
  assert.ok(await peer.fanout(2) > 0);
});

Deno.test("MitogenPeer names the request Mitogen could not serve", async () => {
  await using peer = await MitogenPeer.start(LOCAL);
  await assert.rejects(peer.noop(99, 1), {
    name: "Error",
    message: 'Mitogen could not "noop": ValueError: No open context 99',
  });
  const { ctx } = await peer.connect();
  await assert.rejects(peer.pull(ctx, "/nonexistent/file", "/dev/null"), {
    name: "Error",
    message: /^Mitogen could not "pull": .*No such file or directory/,
  });
  // The peer still serves after a failed request.
  assert.equal((await peer.noop(ctx, 1)).length, 1);
});

Deno.test("MitogenPeer.start() fails with the peer's own words when it cannot start", async () => {
  await assert.rejects(
    MitogenPeer.start({ ...LOCAL, connection: { method: "jail" as "local", options: {} } }),
    { name: "Error", message: /Mitogen peer exited during "hello": .*Invalid method 'jail'/s },
  );
});
