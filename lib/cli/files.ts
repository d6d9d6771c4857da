/**
 * `mitoctl push` and `mitoctl pull`: copy files and trees to many targets or from one, showing
 * progress on a terminal and a summary line per target.
 *
 * @module
 */

import { cliRouter } from "./log.ts";
import { commandOptions, hostsOf } from "./targets.ts";
import { ExitCode, MitoctlError, UsageError } from "../errors.ts";
import type { CompareMode } from "../files/plan.ts";
import { progressLine, summaryLine } from "../files/progress.ts";
import { pullResult } from "../files/pull.ts";
import { pushAll } from "../files/push.ts";
import type { Progress, SyncOptions, TransferResult, TransferSummary } from "../files/sync.ts";
import { CONNECT_FLAGS, FLEET_FLAGS, parse, type Parsed } from "./args.ts";
import { printLine, toJson } from "./output.ts";
import { failedLine } from "./fleet.ts";
import { oneLine } from "./terminal_text.ts";

const FILE_FLAGS = {
  ...CONNECT_FLAGS,
  inventory: FLEET_FLAGS.inventory,
  delete: { type: "boolean" },
  fast: { type: "boolean" },
  always: { type: "boolean" },
  "dry-run": { type: "boolean", short: "n" },
} as const;

/** Flags of `mitoctl pull` alone: what a remote's listing may carry here. */
const PULL_FLAGS = {
  ...FILE_FLAGS,
  "keep-special-modes": { type: "boolean" },
  "allow-unsafe-links": { type: "boolean" },
} as const;

const FILE_FLAGS_HELP = `Transfer flags:
  -i, --inventory FILE      inventory for @group and host names (default $MITOCTL_INVENTORY)
      --delete              remove files under the destination that the source lacks
      --fast                skip files whose size and mtime match (no hashing)
      --always              send every file, whatever is there
  -n, --dry-run             say what would be sent and deleted, change nothing`;

const NOTES = `A file is skipped when its size and SHA-256 match (hashed where it lives); modes,
mtimes and symbolic links (not followed) are kept; each file is written to a temporary
".<name>.mitoctl-<boot>-<pid>-<start>-<token>" beside it, named after the process that writes
it, and renamed into place. A directory source makes the destination a copy of it; a file
source goes inside a destination that is a directory or ends with "/". Temporary files an
interrupted run left are removed by the next run that lists their directory, once the
process that wrote them has ended; a file that merely looks like one is copied like any other.`;

/** Help of `mitoctl push`. */
export const PUSH_HELP =
  `Usage: mitoctl push [flags] <target>[,<target>…] <local-path> <remote-path>

Copies a local file or tree to each target (a comma list, with @groups and host names from
an inventory); only files that differ travel, and each local file is read once for all
targets, which all connect at once. One target failing leaves the others going.

  mitoctl push web1,web2 ./dist /srv/app
  mitoctl push -i hosts.ini @web ./dist /srv/app
  mitoctl push --delete bastion/web1 ./conf/ /etc/myapp
  mitoctl push web1 ./app.conf /etc/nginx/conf.d/

${NOTES}

${FILE_FLAGS_HELP}
`;

/** Help of `mitoctl pull`. */
export const PULL_HELP = `Usage: mitoctl pull [flags] <target> <remote-path> <local-path>

Copies a file or tree from one target to this machine, the reverse of push.

  mitoctl pull web1 /etc/nginx ./backup/web1

${NOTES}

What the remote lists is checked before anything is written: a path with a ".." or empty
segment, an absolute path or one below something that is not a listed directory fails the
pull, naming it; nothing is written through a symbolic link. Files arrive with their
permission bits only (no setuid, setgid or sticky bit), and a link whose target leaves the
destination (absolute, or ".." steps that climb above it or follow a name) fails the pull.

${FILE_FLAGS_HELP}
      --keep-special-modes  keep setuid, setgid and sticky bits
      --allow-unsafe-links  accept links that point outside the destination
`;

function syncOptions(values: Parsed["values"], signal: AbortSignal): SyncOptions {
  if (values.fast && values.always) {
    throw new UsageError("Choose one of --fast and --always");
  }
  const compare: CompareMode = values.fast ? "fast" : values.always ? "always" : "checksum";
  return {
    compare,
    delete: values.delete === true,
    dryRun: values["dry-run"] === true,
    keepSpecialModes: values["keep-special-modes"] === true,
    allowUnsafeLinks: values["allow-unsafe-links"] === true,
    signal,
  };
}

/** Progress on stderr when it is a terminal, at most ten times a second; quiet otherwise. */
function progressMeter(enabled: boolean): { update(p: Progress): void; end(): void } {
  if (!enabled) return { update() {}, end() {} };
  const started = performance.now();
  const enc = new TextEncoder();
  let last = 0;
  let shown = false;
  return {
    update(p) {
      const now = performance.now();
      if (now - last < 100 && p.bytesDone < p.bytesTotal) return;
      last = now;
      shown = true;
      Deno.stderr.writeSync(enc.encode(`\r\x1b[K${progressLine(p, now - started)}`));
    },
    end() {
      if (shown) Deno.stderr.writeSync(enc.encode("\r\x1b[K"));
    },
  };
}

function report(results: TransferResult[], values: Parsed["values"]): number {
  let worst: number = ExitCode.ok;
  for (const { summary, error, changes } of results) {
    if (error) {
      const code = error instanceof MitoctlError ? error.exitCode : ExitCode.remote;
      worst = Math.max(worst, code);
      if (values.json) {
        printLine(toJson({ ...summary, ok: false, error: error.message, exitCode: code }));
      } else printLine(failedLine(summary.target, error));
    } else if (values.json) printLine(toJson({ ...summary, ok: true, ...changes }));
    else {
      // A dry run names what would change, then counts it; the names may come from a remote.
      for (const path of changes?.send ?? []) {
        printLine(`${summary.target}: send ${oneLine(path || ".")}`);
      }
      for (const path of changes?.delete ?? []) {
        printLine(`${summary.target}: delete ${oneLine(path)}`);
      }
      printLine(summaryLine(summary, values["dry-run"] === true));
    }
  }
  return worst;
}

/** Parses a transfer command's argv; undefined once `--help` was printed. */
function parseTransfer(
  argv: string[],
  help: string,
  flags: typeof FILE_FLAGS | typeof PULL_FLAGS,
): [Parsed["values"], string[]] | undefined {
  const { values, positionals, rest } = parse(argv, flags, 3);
  if (values.help) {
    printLine(help);
    return undefined;
  }
  if (positionals.length < 3 || rest.length > 0) {
    throw new UsageError(help.slice(0, help.indexOf("\n")));
  }
  return [values, positionals];
}

/** `mitoctl push`. */
export async function push(argv: string[], signal: AbortSignal): Promise<number> {
  const parsed = parseTransfer(argv, PUSH_HELP, FILE_FLAGS);
  if (!parsed) return ExitCode.ok;
  const [values, [spec, source, dest]] = parsed;
  const options = syncOptions(values, signal);
  const hosts = await hostsOf([spec!], values, await commandOptions(values));
  await using r = cliRouter(values);
  const contexts = hosts.map((h) => r.open(h.target, h.options));
  const meter = progressMeter(!values.json && Deno.stderr.isTerminal());
  let results: TransferResult[];
  try {
    results = await pushAll(contexts, source!, dest!, { ...options, onProgress: meter.update });
  } finally {
    meter.end();
  }
  return report(results, values);
}

/** `mitoctl pull`. */
export async function pull(argv: string[], signal: AbortSignal): Promise<number> {
  const parsed = parseTransfer(argv, PULL_HELP, PULL_FLAGS);
  if (!parsed) return ExitCode.ok;
  const [values, [spec, source, dest]] = parsed;
  const options = syncOptions(values, signal);
  const hosts = await hostsOf([spec!], values, await commandOptions(values));
  if (hosts.length !== 1) {
    throw new UsageError(`Invalid target "${spec}": pull copies from one target`);
  }
  await using r = cliRouter(values);
  const ctx = r.open(hosts[0]!.target, hosts[0]!.options);
  const meter = progressMeter(!values.json && Deno.stderr.isTerminal());
  let result: TransferResult;
  try {
    const got = await pullResult(ctx, source!, dest!, { ...options, onProgress: meter.update });
    if (got.error) throw got.error;
    // The summary names the destination (this machine); the line names where it came from.
    result = { ...got, summary: { ...got.summary, target: ctx.name } };
  } catch (e) {
    if (!(e instanceof MitoctlError) || e instanceof UsageError) throw e;
    result = { summary: emptySummary(ctx.name, dest!), error: e };
  } finally {
    meter.end();
  }
  return report([result], values);
}

function emptySummary(target: string, path: string): TransferSummary {
  return {
    target,
    path,
    files: 0,
    sent: 0,
    skipped: 0,
    deleted: 0,
    links: 0,
    dirs: 0,
    ignored: 0,
    bytes: 0,
    ms: 0,
  };
}
