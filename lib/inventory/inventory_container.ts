/**
 * The container connection types of Ansible inventories, read with Ansible's own variables for
 * each and made into one hop of mitoctl's container methods:
 *
 * | `ansible_connection` | hop | variables read |
 * | --- | --- | --- |
 * | `community.docker.docker` (`docker`, `community.general.docker`) | `docker:[user@]container[:context=C]` | `ansible_host` (`ansible_docker_host`), `ansible_user` (`ansible_docker_user`), `ansible_docker_extra_args` (`--context`, `-c`) |
 * | `containers.podman.podman` (`podman`) | `podman:[user@]container[:connection=C]` | `ansible_host` (`ansible_podman_host`), `ansible_user`, `ansible_podman_extra_args` (`--connection`, `-c`), `ansible_podman_executable` (`podman`) |
 * | `kubernetes.core.kubectl` (`kubectl`, `community.kubernetes.kubectl`) | `kubectl:[namespace:]pod[:container=C][:context=X]` | `ansible_kubectl_pod` (else `ansible_host`), `ansible_kubectl_namespace`, `ansible_kubectl_container`, `ansible_kubectl_context`, `ansible_kubectl_extra_args` (`--context`, `-n`, `--namespace`) |
 * | `community.general.lxd` (`lxd`) | `lxc:[remote:]instance` | `ansible_host` (`ansible_lxd_host`; a name with dots: its first part, as Ansible does), `ansible_lxd_remote`, `ansible_user` (`root`), `ansible_executable` (`ansible_lxd_executable`: `/bin/sh`) |
 * | `community.general.incus` (`incus`) | `incus:[remote:]instance` | `ansible_host` (`ansible_incus_host`), `ansible_incus_remote`, `ansible_incus_project` (`default`), `ansible_user` (`root`), `ansible_executable` (`ansible_incus_executable`: `/bin/sh`) |
 *
 * A value in brackets after a variable is the only one mitoctl honours. Any other variable of the
 * type's own (`ansible_docker_…`, `ansible_kubectl_…`: a kubeconfig file, API credentials,
 * privileged exec, extra environment) cannot be honoured, and the host is refused, naming it.
 * Pure.
 *
 * @module
 */

import { words } from "./inventory_ini.ts";
import { lastSet, type VarReader } from "./inventory_ssh.ts";
import { isUserName } from "../methods/target.ts";

/** A container, pod, namespace, context or remote name that a variable gives. */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** What the hop of a container connection is made of, and what reads it. */
interface ContainerType {
  /** mitoctl's method. */
  method: string;
  /** Prefix of the type's own variables (`ansible_<prefix>_…`). */
  prefix: string;
  /** The type's own variables mitoctl reads; any other one with the prefix is refused. */
  reads: readonly string[];
  /** The hop after `method:`, from the host's variables. */
  hop(read: Reader): string;
}

/** What a {@linkcode ContainerType} reads variables with. */
interface Reader {
  /** The inventory host's name: the container's when no variable names one. */
  host: string;
  /** The last of `names` set, checked as a name (no `/`, `:` or leading `-`). */
  name(names: readonly string[]): string | undefined;
  /** The last of `names` set, checked as a user name. */
  user(names: readonly string[]): string | undefined;
  /** Refuses the last of `names` set unless it is `only`. */
  only(names: readonly string[], only: string): void;
  /** What extra-argument variable `name` sets, by key: the flags are `flags`' keys. */
  flags(name: string, flags: Record<string, string>): Record<string, string>;
  /** The value from a variable, or from the extra arguments; refused when both differ. */
  either(variable: string | undefined, args: string | undefined, what: string): string | undefined;
  bad(why: string): never;
}

const DOCKER = dockerStyle("docker", "context", ["ansible_user", "ansible_docker_user"]);

const PODMAN = dockerStyle("podman", "connection", ["ansible_user"], "ansible_podman_executable");

const KUBECTL: ContainerType = {
  method: "kubectl",
  prefix: "kubectl",
  reads: [
    "ansible_kubectl_pod",
    "ansible_kubectl_namespace",
    "ansible_kubectl_container",
    "ansible_kubectl_context",
    "ansible_kubectl_extra_args",
  ],
  hop(read) {
    const args = read.flags("ansible_kubectl_extra_args", {
      "--context": "context",
      "--namespace": "namespace",
      "-n": "namespace",
    });
    const pod = read.name(["ansible_kubectl_pod"]) ?? read.name(["ansible_host"]) ?? read.host;
    const namespace = read.either(
      read.name(["ansible_kubectl_namespace"]),
      args.namespace,
      "namespace",
    );
    const container = read.name(["ansible_kubectl_container"]);
    const context = read.either(read.name(["ansible_kubectl_context"]), args.context, "context");
    return (namespace === undefined ? "" : `${namespace}:`) + pod +
      (container === undefined ? "" : `:container=${container}`) +
      (context === undefined ? "" : `:context=${context}`);
  },
};

/** LXD's and Incus's connections: an instance, on a remote, entered as root with `/bin/sh`. */
function lxdStyle(method: string, prefix: string, project?: string): ContainerType {
  const host = ["ansible_host", `ansible_${prefix}_host`];
  const remote = `ansible_${prefix}_remote`;
  const executable = ["ansible_executable", `ansible_${prefix}_executable`];
  return {
    method,
    prefix,
    reads: [host[1]!, remote, executable[1]!, ...(project ? [`ansible_${prefix}_project`] : [])],
    hop(read) {
      // Ansible takes the first part of a name with dots: the instance of a host's FQDN.
      const instance = read.name(host)?.split(".")[0] ?? read.host.split(".")[0]!;
      if (!NAME.test(instance)) read.bad(`has no instance name mitoctl can use ("${instance}")`);
      const on = read.name([remote]);
      read.only(["ansible_user"], "root");
      read.only(executable, "/bin/sh");
      if (project !== undefined) read.only([`ansible_${prefix}_project`], project);
      return on === undefined || on === "local" ? instance : `${on}:${instance}`;
    },
  };
}

/**
 * docker's and podman's connections: `[user@]container[:key=E]`, the engine from `--key E` (or
 * `-c E`) in the extra arguments; `executable`, when the type reads one, must name `method`.
 */
function dockerStyle(
  method: string,
  key: string,
  user: readonly string[],
  executable?: string,
): ContainerType {
  const host = ["ansible_host", `ansible_${method}_host`];
  const extra = `ansible_${method}_extra_args`;
  return {
    method,
    prefix: method,
    reads: [host[1]!, extra, ...user.slice(1), ...(executable ? [executable] : [])],
    hop(read) {
      if (executable) read.only([executable], method);
      const engine = read.flags(extra, { [`--${key}`]: key, "-c": key })[key];
      const container = read.name(host) ?? read.host;
      const who = read.user(user);
      return (who === undefined ? "" : `${who}@`) + container +
        (engine === undefined ? "" : `:${key}=${engine}`);
    },
  };
}

/** Each `ansible_connection` value of a container type (short names as ansible-core redirects). */
const TYPES: Record<string, ContainerType> = {
  "community.docker.docker": DOCKER,
  "community.general.docker": DOCKER,
  docker: DOCKER,
  "containers.podman.podman": PODMAN,
  podman: PODMAN,
  "kubernetes.core.kubectl": KUBECTL,
  "community.kubernetes.kubectl": KUBECTL,
  kubectl: KUBECTL,
  "community.general.lxd": lxdStyle("lxc", "lxd"),
  lxd: lxdStyle("lxc", "lxd"),
  "community.general.incus": lxdStyle("incus", "incus", "default"),
  incus: lxdStyle("incus", "incus", "default"),
};

/** Container connection types Ansible has that no mitoctl method matches, and why. */
const UNMATCHED: Record<string, string> = {
  "community.general.lxc": "drives LXC through liblxc (lxc-attach), which mitoctl has no " +
    "method for; LXD instances are community.general.lxd",
  lxc: "drives LXC through liblxc (lxc-attach), which mitoctl has no method for; LXD instances " +
    "are community.general.lxd",
  "community.general.machinectl": "is a become method in Ansible, not a connection; a " +
    "systemd machine is the target machinectl:[user@]machine",
  machinectl: "is a become method in Ansible, not a connection; a systemd machine is the " +
    "target machinectl:[user@]machine",
};

/** The `ansible_connection` values this module maps, for messages. */
export const CONTAINER_CONNECTIONS: readonly string[] = Object.keys(TYPES).filter((t) =>
  t.includes(".")
);

/**
 * The hop (`docker:app`) of an inventory host whose `ansible_connection` is a container type, or
 * undefined when it is none. `keys` are the host's variable names, `get` reads one, and `bad` is
 * called with why the host is refused (a variable that cannot be honoured, a bad name).
 */
export function containerHop(
  connection: string,
  host: string,
  keys: readonly string[],
  get: VarReader,
  bad: (why: string) => never,
): string | undefined {
  const unmatched = UNMATCHED[connection];
  if (unmatched !== undefined) bad(`uses ansible_connection "${connection}", which ${unmatched}`);
  const type = TYPES[connection];
  if (type === undefined) return undefined;
  for (const key of keys) {
    if (key.startsWith(`ansible_${type.prefix}_`) && !type.reads.includes(key)) {
      bad(`has ${key}, which mitoctl cannot honour with ansible_connection "${connection}"`);
    }
  }
  const read: Reader = {
    host,
    bad,
    name(names) {
      const got = lastSet(get, names);
      if (got !== undefined && !NAME.test(got.value)) {
        bad(`has ${got.name} "${got.value}" that is not a ${type.method} name`);
      }
      return got?.value;
    },
    user(names) {
      const got = lastSet(get, names);
      if (got !== undefined && !isUserName(got.value)) {
        bad(`has ${got.name} "${got.value}" that is not a user name`);
      }
      return got?.value;
    },
    only(names, only) {
      const got = lastSet(get, names);
      if (got !== undefined && got.value !== only) {
        bad(
          `has ${got.name} "${got.value}", which mitoctl cannot honour with ansible_connection ` +
            `"${connection}" (only "${only}")`,
        );
      }
    },
    flags(name, flags) {
      const text = get(name);
      if (text === undefined) return {};
      const out: Record<string, string> = {};
      const list = words(text, false);
      for (let i = 0; i < list.length; i++) {
        const word = list[i]!;
        const eq = word.startsWith("--") ? word.indexOf("=") : -1;
        const flag = eq < 0 ? word : word.slice(0, eq);
        const key = flags[flag];
        const value = eq < 0 ? list[++i] : word.slice(eq + 1);
        if (key === undefined || value === undefined || !NAME.test(value)) {
          bad(
            `has ${name} "${text}" that mitoctl cannot honour: it takes only ` +
              `${Object.keys(flags).join(", ")} with a name`,
          );
        }
        if (out[key] !== undefined && out[key] !== value) bad(`has ${name} that sets ${key} twice`);
        out[key] = value;
      }
      return out;
    },
    either(variable, args, what) {
      if (variable !== undefined && args !== undefined && variable !== args) {
        bad(`sets two ${what}s: "${variable}" and "${args}" (extra arguments)`);
      }
      return variable ?? args;
    },
  };
  return `${type.method}:${type.hop(read)}`;
}
