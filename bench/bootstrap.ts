/**
 * Bootstrap size figures: the stage-1 command line (the last ssh argument) for each runtime
 * choice and the compressed stage 2, beside Mitogen's figures quoted from DESIGN.md. Nothing is
 * run; these are byte counts.
 *
 * @module
 */

import { brotliDecompressSync } from "node:zlib";
import { sshSpawn } from "../lib/methods/ssh.ts";
import { stage2Bytes } from "../lib/stage/stage2_bytes.ts";
import { type Figure, quoted } from "./figure.ts";
import type { BenchSettings, Group } from "./group.ts";
import { exact } from "./stats.ts";

/** Mitogen's ssh command line in bytes, as quoted in DESIGN.md (not measured here). */
export const MITOGEN_COMMAND_LINE = 838;

/** Mitogen's compressed bootstrap in bytes, as quoted in DESIGN.md (not measured here). */
export const MITOGEN_BOOTSTRAP = 19_108;

const SMALLER = { text: "< Mitogen", on: "ratio", max: 1 } as const;

/** Bootstrap byte counts. */
export const bootstrapGroup: Group = { name: "bootstrap", run: runBootstrap };

function runBootstrap(settings: BenchSettings): Promise<Figure[]> {
  const stage2 = stage2Bytes();
  const commandLine = quoted("Mitogen command line, quoted", MITOGEN_COMMAND_LINE);
  const figures: Figure[] = ["auto", ...settings.runtimes].map((runtime) => {
    const argv = sshSpawn(
      { host: settings.host, sshConfig: settings.sshConfig, runtime },
      stage2.length,
    ).argv;
    const bytes = new TextEncoder().encode(argv.at(-1)!).length;
    return {
      id: `bootstrap.stage1.${runtime}`,
      label: `stage 1, last ssh argument [${runtime}]`,
      unit: "B",
      ours: exact(bytes),
      floor: commandLine,
      compare: "ratio",
      target: SMALLER,
    };
  });
  figures.push({
    id: "bootstrap.stage2",
    label: "stage 2, brotli-compressed",
    unit: "B",
    ours: exact(stage2.length),
    floor: quoted("Mitogen bootstrap, quoted", MITOGEN_BOOTSTRAP),
    compare: "ratio",
    target: SMALLER,
    note: `stage 2 inflates to ${
      brotliDecompressSync(stage2).length.toLocaleString("en-US")
    } B of JavaScript`,
  });
  return Promise.resolve(figures);
}
