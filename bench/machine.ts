/**
 * Facts about the machine a run was taken on, printed above the figures: CPU, kernel, runtime
 * and OpenSSH versions, and the key exchange ssh negotiated with the benchmark's sshd.
 *
 * @module
 */

import { Router } from "../mod.ts";
import { sshArgv } from "./floors.ts";
import type { BenchRuntime, BenchSettings } from "./group.ts";

/** What the report says about the machine. */
export interface MachineFacts {
  /** When the run started, ISO 8601. */
  date: string;
  /** Logical CPUs. */
  cpus: number;
  /** CPU model from /proc/cpuinfo. */
  model: string;
  /** `uname -r`. */
  kernel: string;
  /** Deno running the master. */
  deno: string;
  /** Version each remote runtime reported in its hello, keyed by runtime. */
  remote: Partial<Record<BenchRuntime, string>>;
  /** `ssh -V`. */
  openssh: string;
  /** Key exchange, host key and cipher that `ssh -v` reports for the benchmark's host. */
  kex: string;
  /** 1-, 5- and 15-minute load averages when the run started: other work skews the figures. */
  load: string;
  /** Mitogen's version and how it ran, or why it was not measured. */
  mitogen: string;
}

/** Options of {@linkcode machineFacts}. */
export interface MachineOptions {
  /** What to say about Mitogen: its version and how it ran, or why it did not. */
  mitogen: string;
}

/** Gathers {@linkcode MachineFacts}; connects once with each runtime to learn its version. */
export async function machineFacts(
  settings: BenchSettings,
  options: MachineOptions,
): Promise<MachineFacts> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const remote: Partial<Record<BenchRuntime, string>> = {};
  for (const runtime of settings.runtimes) {
    await using router = new Router();
    const ctx = await router.connect(settings.host, { sshConfig: settings.sshConfig, runtime });
    remote[runtime] = `${ctx.info?.runtime} ${ctx.info?.version}`;
  }
  return {
    date: new Date().toISOString(),
    cpus: navigator.hardwareConcurrency,
    model: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    remote,
    openssh: await opensshVersion(),
    kex: await negotiated(settings),
    load: await loadAverage(),
    mitogen: options.mitogen,
  };
}

/** The 1-, 5- and 15-minute load averages now: `"0.45 5.64 6.46"`. */
export async function loadAverage(): Promise<string> {
  const loadavg = await Deno.readTextFile("/proc/loadavg").catch(() => "");
  return loadavg.split(" ").slice(0, 3).join(" ") || "unknown";
}

async function opensshVersion(): Promise<string> {
  const output = await new Deno.Command("ssh", { args: ["-V"], stdout: "null", stderr: "piped" })
    .output();
  return new TextDecoder().decode(output.stderr).trim();
}

/** Algorithms from `ssh -v`'s debug lines: `sntrup761x25519-sha512, ssh-ed25519, chacha20…`. */
async function negotiated(settings: BenchSettings): Promise<string> {
  const [ssh, ...args] = sshArgv(settings, "true");
  const output = await new Deno.Command(ssh!, {
    args: ["-v", ...args],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  const log = new TextDecoder().decode(output.stderr);
  const pick = (re: RegExp) => re.exec(log)?.[1] ?? "?";
  return [
    pick(/kex: algorithm: (\S+)/),
    pick(/kex: host key algorithm: (\S+)/),
    pick(/kex: server->client cipher: (\S+)/),
  ].join(", ");
}
