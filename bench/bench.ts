/**
 * `deno task bench`: starts a throwaway sshd on loopback, takes every figure beside its floor
 * measured in the same run, and prints the table (or `--json`). Needs root and openssh-server,
 * like the ssh tests. Speed is measured here, never asserted in tests.
 *
 * ```sh
 * deno task bench                 # full run, beside Mitogen where python3-mitogen is installed
 * deno task bench --quick         # few samples: checks that every figure works
 * deno task bench --json          # the same figures as JSON on stdout
 * deno task bench --profile       # also where a no-op call's time goes (CPU, wake-ups, syscalls)
 * deno task bench --runtime node --group call
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { denoPath, SYSTEM_NODE } from "../tests/_fixtures/runtimes.ts";
import { startSshd } from "../tests/_fixtures/sshd.ts";
import { CORE_GROUPS } from "./core.ts";
import { fanoutGroup } from "./fanout.ts";
import type { Figure } from "./figure.ts";
import { filesGroup } from "./files.ts";
import { graphGroup } from "./graph.ts";
import { profileGroup } from "./profile.ts";
import {
  type BenchRuntime,
  type BenchSettings,
  FULL_COUNTS,
  type Group,
  QUICK_COUNTS,
} from "./group.ts";
import { loadAverage, machineFacts } from "./machine.ts";
import { MITOGEN_INSTALL, mitogenSsh, probeMitogen, SYSTEM_PYTHON } from "./mitogen.ts";
import { type GroupFailure, renderText, toJson } from "./report.ts";
import { streamGroup } from "./stream.ts";
import { transferGroup } from "./transfer.ts";
import { viaGroup } from "./via.ts";

const RUNTIMES: readonly BenchRuntime[] = ["deno", "node"];

/** Every group a plain run takes, in the order they run. */
const GROUPS: readonly Group[] = [
  ...CORE_GROUPS,
  graphGroup,
  transferGroup,
  streamGroup,
  filesGroup,
  viaGroup,
  fanoutGroup,
];

/** Groups taken only when asked for (`--profile`, or `--group NAME`). */
const ON_REQUEST: readonly Group[] = [profileGroup];

const ALL_GROUPS = [...GROUPS, ...ON_REQUEST];

const USAGE =
  `Usage: deno task bench [--quick] [--json] [--profile] [--runtime deno|node]… [--group NAME]…

  --quick          few samples, to check that every figure works
  --json           print the run as JSON instead of tables
  --profile        also measure where a no-op call's time goes (remote and master CPU,
                   wake-ups and system calls per call; ours, Mitogen's and cat's)
  --runtime NAME   only this remote runtime (repeatable; default: deno and node)
  --group NAME     only this group of figures (repeatable): ${
    ALL_GROUPS.map((g) => g.name).join(", ")
  }

Mitogen runs beside ours when ${SYSTEM_PYTHON} imports it (${MITOGEN_INSTALL}).
`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      runtime: { type: "string", multiple: true },
      group: { type: "string", multiple: true },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const runtimes = values.runtime ?? [...RUNTIMES];
  for (const r of runtimes) {
    if (!RUNTIMES.includes(r as BenchRuntime)) {
      throw new TypeError(`Invalid runtime "${r}": use ${RUNTIMES.join(" or ")}`);
    }
  }
  for (const name of values.group ?? []) {
    if (!ALL_GROUPS.some((g) => g.name === name)) {
      throw new TypeError(
        `Invalid group "${name}": use one of ${ALL_GROUPS.map((g) => g.name).join(", ")}`,
      );
    }
  }
  const wanted = [
    ...values.group ?? GROUPS.map((g) => g.name),
    ...values.profile ? [profileGroup.name] : [],
  ];
  const groups = ALL_GROUPS.filter((g) => wanted.includes(g.name));

  const started = performance.now();
  // Seconds since the start, so a slow group shows in the progress lines.
  const progress = (text: string) =>
    console.error(`bench: ${((performance.now() - started) / 1000).toFixed(0)} s: ${text}`);
  progress("starting sshd");
  await using sshd = await startSshd();
  const probe = await probeMitogen();
  if ("missing" in probe) {
    progress(`Mitogen not measured: ${probe.missing}; install it with: ${MITOGEN_INSTALL}`);
  }
  const login = {
    host: "mito",
    sshConfig: sshd.sshConfig,
    port: sshd.port,
    user: sshd.users.full,
    identity: sshd.identity,
  };
  const settings: BenchSettings = {
    sshConfig: sshd.sshConfig,
    host: login.host,
    runtimes: runtimes as BenchRuntime[],
    // The same executables the sshd fixture puts on the remote user's PATH.
    localRuntime: { deno: denoPath(), node: SYSTEM_NODE },
    counts: values.quick ? QUICK_COUNTS : FULL_COUNTS,
    mitogen: "version" in probe
      ? { python: SYSTEM_PYTHON, connection: mitogenSsh(login) }
      : undefined,
    progress,
  };
  const machine = await machineFacts(settings, {
    mitogen: "version" in probe
      ? `${probe.version}, ${SYSTEM_PYTHON} on both ends, same sshd, user and ssh_config`
      : `not measured: ${probe.missing}; install it with: ${MITOGEN_INSTALL}`,
  });
  const figures: Figure[] = [];
  // A group that fails loses its own figures only; the run goes on and says so.
  const failures: GroupFailure[] = [];
  for (const group of groups) {
    try {
      figures.push(...await group.run(settings));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      progress(`${group.name}: failed: ${message}`);
      failures.push({ group: group.name, message });
    }
  }
  const run = {
    machine,
    counts: settings.counts,
    figures,
    seconds: (performance.now() - started) / 1000,
    loadAtEnd: await loadAverage(),
    failures,
  };
  console.log(values.json ? JSON.stringify(toJson(run), null, 2) : renderText(run));
  return failures.length === 0 ? 0 : 1;
}

if (import.meta.main) {
  try {
    Deno.exitCode = await main(Deno.args);
  } catch (error) {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exitCode = 1;
  }
}
