/**
 * The `setns` connection method: enter the namespaces of a running process, or a named network
 * namespace, with util-linux `nsenter`, on the machine of the hop before (root there, or a hop
 * that became root). `setns:<pid>` enters the process's mount, UTS, IPC, network and pid
 * namespaces, so the runtime comes from its filesystem (`auto`: deno, then node on its PATH);
 * `setns:netns=<name>` enters `/run/netns/<name>` (`ip netns`) only, keeping this filesystem and
 * the runtime running here.
 *
 * @module
 */

import { type Method, stageCommand, stringOption } from "./method.ts";

const NETNS = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** The setns method. */
export const setns: Method = {
  name: "setns",
  syntax: "setns:<pid> | setns:netns=<name>",
  summary: "enter a process's namespaces, or a named network namespace, with nsenter",
  parse(text, fail) {
    if (text === undefined) return fail("names no process id or netns=<name>");
    if (/^[1-9]\d{0,9}$/.test(text)) return { pid: Number(text) };
    if (text.startsWith("netns=") && NETNS.test(text.slice(6))) return { netns: text.slice(6) };
    return fail(`has "${text}": expected a process id or netns=<name>`);
  },
  format(fields) {
    return fields.pid !== undefined ? `${fields.pid}` : `netns=${fields.netns}`;
  },
  options(fields, settings) {
    const out: Record<string, unknown> = { ...fields };
    if (settings.runtime !== undefined) out.runtime = settings.runtime;
    return out;
  },
  spawn(options, facts) {
    const runtime = stringOption(options, "runtime");
    const netns = stringOption(options, "netns");
    const pid = options.pid;
    let argv: string[];
    let label: string;
    if (typeof pid === "number" && Number.isSafeInteger(pid) && pid > 0) {
      argv = ["nsenter", "-t", `${pid}`, "-m", "-u", "-i", "-n", "-p", "--"];
      label = `setns:${pid}`;
    } else if (netns !== undefined && NETNS.test(netns)) {
      argv = ["nsenter", `--net=/run/netns/${netns}`, "--"];
      label = `setns:netns=${netns}`;
    } else throw new TypeError("setns needs a process id or a netns name");
    // In a pid's mount namespace this machine's runtime path may not exist: look it up there.
    const command = stageCommand(runtime ?? (netns === undefined ? "auto" : undefined), facts);
    return { argv: [...argv, "sh", "-c", command], label, runtime: runtime ?? "auto" };
  },
};
