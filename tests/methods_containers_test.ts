/**
 * docker, podman, kubectl, lxc, incus and machinectl hops. Their engines cannot run here, so each
 * test runs the real remote stage through a stand-in of the engine's CLI (first on PATH) that
 * checks the exact argv it gets, then runs the command in fresh namespaces named after it: the
 * call's host name proves where it ran. Each method is tried as the first hop (started by the
 * master) and behind `local/` (started by a remote stage).
 */

import { strictEqual } from "node:assert/strict";
import { ExitCode } from "../mod.ts";
import { runCli } from "./_fixtures/cli.ts";
import { testNode } from "./_fixtures/runtimes.ts";
import { standIn } from "./_fixtures/stand_in.ts";

const unavailable = Deno.uid() !== 0 ? "the stand-ins need root (unshare)" : undefined;
const ignore = unavailable !== undefined && !Deno.env.get("CI");
if (ignore) console.warn(`Ignoring the container method tests: ${unavailable}`);

/** One method: a hop, the argv its CLI must get before `sh -c <stage 1>`, and a terminal. */
const CASES: { hop: string; program: string; args: string[]; pty?: boolean }[] = [
  {
    hop: "docker:postgres@app:context=prod",
    program: "docker",
    args: ["--context", "prod", "exec", "-i", "-u", "postgres", "app", "sh", "-c"],
  },
  {
    hop: "podman:app:connection=box",
    program: "podman",
    args: ["--connection", "box", "exec", "-i", "app", "sh", "-c"],
  },
  {
    hop: "kubectl:shop:web-0:container=app:context=prod",
    program: "kubectl",
    args: [
      "--context",
      "prod",
      "exec",
      "-i",
      "-n",
      "shop",
      "web-0",
      "-c",
      "app",
      "--",
      "sh",
      "-c",
    ],
  },
  {
    hop: "lxc:1000@remote1:c1",
    program: "lxc",
    args: ["exec", "remote1:c1", "--user", "1000", "--", "sh", "-c"],
  },
  { hop: "incus:c1", program: "incus", args: ["exec", "c1", "--", "sh", "-c"] },
  {
    hop: "machinectl:pg@m1",
    program: "machinectl",
    args: ["shell", "-q", "--uid=pg", "m1", "/bin/sh", "-c"],
    pty: true,
  },
];

for (const { hop, program, args, pty } of CASES) {
  Deno.test({
    name: `a ${program} hop runs the stage through its CLI, as the first hop and later`,
    ignore,
  }, async () => {
    const box = `box-${program}`;
    await using engine = await standIn(program, args, box, pty);
    const env = { PATH: engine.path };
    for (const target of [hop, `local/${hop}`]) {
      const result = await runCli(["call", target, "node:os#hostname"], { env });
      strictEqual(result.code, ExitCode.ok, `${target}: ${result.stderr}`);
      strictEqual(JSON.parse(result.stdout), box, target);
    }
  });
}

Deno.test({ name: "docker's own exit codes are explained, quoting it", ignore }, async () => {
  await using engine = await standIn("docker", ["exec", "-i", "app", "sh", "-c"], "box");
  for (const target of ["docker:gone", "local/docker:gone"]) {
    const result = await runCli(["call", target, "node:os#hostname"], {
      env: { PATH: engine.path },
    });
    strictEqual(result.code, ExitCode.connection, result.stderr);
    strictEqual(
      result.stderr,
      // Behind a parent it reads as from the master: the hop is named once.
      `mitoctl: Cannot connect to "docker:gone": docker exited with code 125 (docker itself failed: no such container, ` +
        `or no daemon): stand-in docker: argument 3 is 'gone', expected 'app'\n`,
    );
  }
});

Deno.test("a method whose CLI is missing is named alike from the master and behind a hop", async () => {
  // A PATH with the runtimes and a shell only, so no engine's CLI is on it on any machine.
  const bin = await Deno.makeTempDir({ prefix: "mitoctl-no-engine-" });
  try {
    await Deno.symlink(Deno.execPath(), `${bin}/deno`);
    await Deno.symlink((await testNode()).path, `${bin}/node`);
    for (const tool of ["sh", "env"]) await Deno.symlink(`/bin/${tool}`, `${bin}/${tool}`);
    for (const target of ["podman:app", "local/podman:app"]) {
      const result = await runCli(["call", target, "node:os#hostname"], { env: { PATH: bin } });
      strictEqual(result.code, ExitCode.connection, result.stderr);
      strictEqual(
        result.stderr,
        `mitoctl: Cannot connect to "podman:app": "podman" was not found\n`,
        target,
      );
    }
  } finally {
    await Deno.remove(bin, { recursive: true });
  }
});

Deno.test({
  name: "an inventory's container hosts run through the engine's CLI, directly and behind a hop",
  ignore,
}, async () => {
  await using engine = await standIn(
    "docker",
    ["--context", "prod", "exec", "-i", "-u", "postgres", "app", "sh", "-c"],
    "box-inventory",
  );
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-inventory-docker-" });
  try {
    const inventory = `${dir}/hosts.ini`;
    await Deno.writeTextFile(
      inventory,
      "[boxes:vars]\nansible_connection=community.docker.docker\nansible_user=postgres\n" +
        "ansible_docker_extra_args='--context prod'\n" +
        "[boxes]\napp\ninner ansible_docker_host=app mitoctl_via=local\n",
    );
    for (const host of ["app", "inner"]) {
      const result = await runCli(["call", "-i", inventory, host, "node:os#hostname"], {
        env: { PATH: engine.path },
      });
      strictEqual(result.code, ExitCode.ok, `${host}: ${result.stderr}`);
      strictEqual(JSON.parse(result.stdout), "box-inventory", host);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
