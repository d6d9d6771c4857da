/**
 * `deno task bench`: starts a throwaway sshd on loopback, takes every figure beside its floor
 * measured in the same run, and prints the table (or `--json`). Needs root and openssh-server,
 * like the ssh tests. Speed is measured here, never asserted in tests.
 *
 * ```sh
 * deno task bench                 # full run, about four minutes
 * deno task bench --quick         # few samples: checks that every figure works
 * deno task bench --json          # the same figures as JSON on stdout
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
import {
  type BenchRuntime,
  type BenchSettings,
  FULL_COUNTS,
  type Group,
  QUICK_COUNTS,
} from "./group.ts";
import { machineFacts } from "./machine.ts";
import { renderText, toJson } from "./report.ts";
import { streamGroup } from "./stream.ts";
import { transferGroup } from "./transfer.ts";
import { viaGroup } from "./via.ts";

const RUNTIMES: readonly BenchRuntime[] = ["deno", "node"];

/** Every group, in the order they run. */
const GROUPS: readonly Group[] = [
  ...CORE_GROUPS,
  graphGroup,
  transferGroup,
  streamGroup,
  filesGroup,
  viaGroup,
  fanoutGroup,
];

const USAGE = `Usage: deno task bench [--quick] [--json] [--runtime deno|node]… [--group NAME]…

  --quick          few samples, to check that every figure works
  --json           print the run as JSON instead of tables
  --runtime NAME   only this remote runtime (repeatable; default: deno and node)
  --group NAME     only this group of figures (repeatable): ${GROUPS.map((g) => g.name).join(", ")}
`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
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
  const groups = GROUPS.filter((g) => values.group?.includes(g.name) ?? true);
  for (const name of values.group ?? []) {
    if (!GROUPS.some((g) => g.name === name)) {
      throw new TypeError(
        `Invalid group "${name}": use one of ${GROUPS.map((g) => g.name).join(", ")}`,
      );
    }
  }

  const started = performance.now();
  // Seconds since the start, so a slow group shows in the progress lines.
  const progress = (text: string) =>
    console.error(`bench: ${((performance.now() - started) / 1000).toFixed(0)} s: ${text}`);
  progress("starting sshd");
  await using sshd = await startSshd();
  const settings: BenchSettings = {
    sshConfig: sshd.sshConfig,
    host: "mito",
    runtimes: runtimes as BenchRuntime[],
    // The same executables the sshd fixture puts on the remote user's PATH.
    localRuntime: { deno: denoPath(), node: SYSTEM_NODE },
    counts: values.quick ? QUICK_COUNTS : FULL_COUNTS,
    progress,
  };
  const machine = await machineFacts(settings);
  const figures: Figure[] = [];
  for (const group of groups) figures.push(...await group.run(settings));
  const run = {
    machine,
    counts: settings.counts,
    figures,
    seconds: (performance.now() - started) / 1000,
  };
  console.log(values.json ? JSON.stringify(toJson(run), null, 2) : renderText(run));
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exitCode = await main(Deno.args);
  } catch (error) {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    Deno.exitCode = 1;
  }
}
