/**
 * The `kubectl` connection method: `kubectl [--context C] exec -i [-n namespace] <pod>
 * [-c container] -- sh -c …` into a running pod, from the machine of the hop before. Hop:
 * `kubectl:[namespace:]pod` with `:container=C` and `:context=X`; kubectl writes
 * `namespace/pod`, which a target cannot (`/` separates hops), so the namespace comes first with
 * a `:` (neither a namespace nor a pod name can hold one).
 *
 * @module
 */

import { containerSpawn, nameOption, objectHop, objectOptions } from "./container.ts";
import type { Method } from "./method.ts";

const hop = objectHop({ object: "pod", user: false, keys: ["container", "context"] });

/** The kubectl method. */
export const kubectl: Method = {
  name: "kubectl",
  syntax: "kubectl:[namespace:]pod[:container=C][:context=X]",
  summary: "exec into a running Kubernetes pod",
  parse(text, fail) {
    const fields = hop.parse(text, fail);
    const [namespace, pod, more] = String(fields.object).split(":");
    if (more !== undefined || pod === "") {
      fail(`has more than "namespace:pod" in "${fields.object}"`);
    }
    if (pod !== undefined) {
      fields.namespace = namespace!;
      fields.object = pod;
    }
    if (fields.namespace === "") fail("has an empty namespace");
    return fields;
  },
  format(fields) {
    const { namespace, ...rest } = fields;
    const text = hop.format(rest)!;
    return namespace === undefined ? text : `${namespace}:${text}`;
  },
  options: objectOptions,
  spawn(options, facts) {
    const pod = nameOption(options, "object");
    if (pod === undefined) throw new TypeError("No pod named");
    const namespace = nameOption(options, "namespace");
    const container = nameOption(options, "container");
    const context = nameOption(options, "context");
    const argv = ["kubectl", ...(context ? ["--context", context] : []), "exec", "-i"];
    if (namespace) argv.push("-n", namespace);
    argv.push(pod);
    if (container) argv.push("-c", container);
    argv.push("--");
    const label = `kubectl:${namespace ? `${namespace}:` : ""}${pod}`;
    return containerSpawn(argv, label, options, facts);
  },
};
