import assert from "node:assert/strict";
import { checkRuntime, remoteCommand, runtimeKind, STAGE1_JS, stage1Argv } from "./stage1.ts";
import { STAGE1_LIMIT } from "../limits.ts";

Deno.test("STAGE1_JS calls process.getBuiltinModule m, as the old-runtime check expects", () => {
  assert.match(STAGE1_JS, /^var p=process,m=p\.getBuiltinModule,r=m\("fs"\)/);
});

Deno.test("STAGE1_JS holds no character a login shell would expand inside single quotes", () => {
  assert.doesNotMatch(STAGE1_JS, /['$\\!`]/);
});

Deno.test("remoteCommand() stays within STAGE1_LIMIT bytes for every runtime choice", () => {
  for (const r of ["auto", "deno", "node", "/opt/node-v22/bin/node"]) {
    const cmd = remoteCommand(r, 8192, 30_000);
    assert.ok(cmd.length <= STAGE1_LIMIT, `${r}: ${cmd.length} bytes`);
  }
});

Deno.test("remoteCommand() for deno disables the cache dir and config discovery", () => {
  const cmd = remoteCommand("deno", 9, 30_000);
  assert.match(cmd, / sh env DENO_DIR=\/dev\/null deno eval --ext=js --no-config '/);
  assert.match(cmd, /' 9$/);
});

Deno.test("remoteCommand() starts a watchdog for the connect timeout, in whole seconds", () => {
  assert.match(remoteCommand("node", 9, 2500), /^sh -c '\(trap "kill \\\$s;exit" TERM;i=3;/);
  assert.match(remoteCommand("auto", 9, 30_000), /;i=30;while kill -0 \$\$&&\[ \$i -gt 0 \];/);
});

Deno.test("stage1Argv() picks the runtime kind from the file name", () => {
  assert.equal(stage1Argv("/usr/local/bin/node22", 5)[0], "/usr/local/bin/node22");
  assert.equal(stage1Argv("/x/deno", 5)[2], "/x/deno");
  assert.equal(runtimeKind("/home/me/.deno/bin/deno"), "deno");
});

Deno.test("checkRuntime() rejects relative paths and shell characters", () => {
  for (const bad of ["./node", "/usr/bin/no de", "/bin/node;rm", "/bin/'x", "$(x)"]) {
    assert.throws(() => checkRuntime(bad), { name: "TypeError", message: /^Invalid runtime "/ });
  }
});
