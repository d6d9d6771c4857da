import { strictEqual, throws } from "node:assert/strict";
import { parseInventory } from "./inventory.ts";
import { parseTarget } from "../methods/target.ts";

function target(line: string, host = "h"): string {
  return parseInventory(`${line}\n`, "hosts.ini").connection(host).target;
}

function refused(line: string, why: string): void {
  throws(() => target(line), {
    name: "UsageError",
    message: `Invalid inventory "hosts.ini": host "h" ${why}`,
  });
}

Deno.test("container connection types become hops of the container methods", () => {
  const cases: [string, string][] = [
    ["h ansible_connection=community.docker.docker", "docker:h"],
    ["h ansible_connection=docker ansible_host=app ansible_user=postgres", "docker:postgres@app"],
    // The type's own names win over ansible_host and ansible_user, as in Ansible.
    [
      "h ansible_connection=community.general.docker ansible_host=x ansible_docker_host=app " +
      "ansible_user=u ansible_docker_user=pg ansible_docker_extra_args='--context prod'",
      "docker:pg@app:context=prod",
    ],
    [
      "h ansible_connection=docker ansible_docker_extra_args='--context=prod'",
      "docker:h:context=prod",
    ],
    ["h ansible_connection=docker ansible_docker_extra_args='-c prod'", "docker:h:context=prod"],
    [
      "h ansible_connection=containers.podman.podman ansible_podman_host=app " +
      "ansible_podman_extra_args='--connection=box' ansible_podman_executable=podman",
      "podman:app:connection=box",
    ],
    ["h ansible_connection=podman ansible_user=1000", "podman:1000@h"],
    ["web-0 ansible_connection=kubernetes.core.kubectl", "kubectl:web-0"],
    [
      "h ansible_connection=kubectl ansible_kubectl_pod=web-0 ansible_kubectl_namespace=shop " +
      "ansible_kubectl_container=app ansible_kubectl_context=prod",
      "kubectl:shop:web-0:container=app:context=prod",
    ],
    [
      "h ansible_connection=community.kubernetes.kubectl ansible_host=web-1 " +
      "ansible_kubectl_extra_args='-n shop --context=prod'",
      "kubectl:shop:web-1:context=prod",
    ],
    ["h ansible_connection=community.general.lxd", "lxc:h"],
    ["c1.lab.example ansible_connection=lxd ansible_lxd_remote=far", "lxc:far:c1"],
    [
      "h ansible_connection=lxd ansible_lxd_host=c1 ansible_lxd_remote=local ansible_user=root " +
      "ansible_executable=/bin/sh",
      "lxc:c1",
    ],
    [
      "h ansible_connection=community.general.incus ansible_incus_host=c1 " +
      "ansible_incus_remote=far ansible_incus_project=default",
      "incus:far:c1",
    ],
    ["h ansible_connection=incus ansible_host=c1.lab", "incus:c1"],
    [
      "h ansible_connection=kubectl ansible_kubectl_extra_args='--namespace=shop'",
      "kubectl:shop:h",
    ],
  ];
  for (const [line, want] of cases) {
    const host = line.split(" ")[0]!;
    const got = target(line, host);
    strictEqual(got, want, line);
    // Each is a target the container method reads.
    strictEqual(parseTarget(got).length, 1, got);
  }
});

Deno.test("a container host goes behind mitoctl_via and before its become hop", () => {
  const inv = parseInventory(
    "jump ansible_host=10.0.0.2 ansible_user=ops\n" +
      "app ansible_connection=community.docker.docker mitoctl_via=jump ansible_become=true " +
      "ansible_become_user=postgres\n" +
      "pod ansible_connection=kubectl ansible_kubectl_namespace=shop mitoctl_via=admin@k8s:2222\n",
    "hosts.ini",
  );
  strictEqual(inv.connection("app").target, "ops@10.0.0.2/docker:app/sudo:postgres");
  strictEqual(inv.connection("pod").target, "admin@k8s:2222/kubectl:shop:pod");
});

Deno.test("a container host keeps no ssh variables: its connection uses no ssh", () => {
  strictEqual(
    target(
      "h ansible_connection=docker ansible_port=2222 ansible_ssh_common_args='-o X=y' " +
        "ansible_private_key_file=/k",
    ),
    "docker:h",
  );
  const inv = parseInventory("h ansible_connection=docker ansible_private_key_file=/k\n", "i");
  strictEqual(Object.keys(inv.connection("h").options).length, 0);
});

Deno.test("a container variable mitoctl cannot honour refuses the host, naming it", () => {
  const cases: [string, string][] = [
    [
      "h ansible_connection=kubectl ansible_kubectl_kubeconfig=/etc/k.conf",
      'has ansible_kubectl_kubeconfig, which mitoctl cannot honour with ansible_connection "kubectl"',
    ],
    [
      "h ansible_connection=kubernetes.core.kubectl ansible_kubectl_token=t",
      "has ansible_kubectl_token, which mitoctl cannot honour with ansible_connection " +
      '"kubernetes.core.kubectl"',
    ],
    [
      "h ansible_connection=docker ansible_docker_privileged=true",
      'has ansible_docker_privileged, which mitoctl cannot honour with ansible_connection "docker"',
    ],
    [
      "h ansible_connection=docker ansible_docker_extra_args='-H ssh://far'",
      'has ansible_docker_extra_args "-H ssh://far" that mitoctl cannot honour: it takes only ' +
      "--context, -c with a name",
    ],
    [
      "h ansible_connection=kubectl ansible_kubectl_extra_args='--kubeconfig=/k'",
      'has ansible_kubectl_extra_args "--kubeconfig=/k" that mitoctl cannot honour: it takes ' +
      "only --context, --namespace, -n with a name",
    ],
    [
      "h ansible_connection=kubectl ansible_kubectl_context=a ansible_kubectl_extra_args='--context b'",
      'sets two contexts: "a" and "b" (extra arguments)',
    ],
    [
      "h ansible_connection=podman ansible_podman_executable=podman-remote",
      'has ansible_podman_executable "podman-remote", which mitoctl cannot honour with ' +
      'ansible_connection "podman" (only "podman")',
    ],
    [
      "h ansible_connection=lxd ansible_user=deploy",
      'has ansible_user "deploy", which mitoctl cannot honour with ansible_connection "lxd" ' +
      '(only "root")',
    ],
    [
      "h ansible_connection=lxd ansible_lxd_executable=/bin/bash",
      'has ansible_lxd_executable "/bin/bash", which mitoctl cannot honour with ' +
      'ansible_connection "lxd" (only "/bin/sh")',
    ],
    [
      "h ansible_connection=community.general.incus ansible_incus_project=web",
      'has ansible_incus_project "web", which mitoctl cannot honour with ' +
      'ansible_connection "community.general.incus" (only "default")',
    ],
    [
      "h ansible_connection=incus ansible_user=deploy",
      'has ansible_user "deploy", which mitoctl cannot honour with ansible_connection "incus" ' +
      '(only "root")',
    ],
    [
      "h ansible_connection=incus ansible_incus_executable=/bin/bash",
      'has ansible_incus_executable "/bin/bash", which mitoctl cannot honour with ' +
      'ansible_connection "incus" (only "/bin/sh")',
    ],
    [
      "h ansible_connection=lxd ansible_lxd_project=web",
      'has ansible_lxd_project, which mitoctl cannot honour with ansible_connection "lxd"',
    ],
    [
      "h ansible_connection=docker ansible_host=a/b",
      'has ansible_host "a/b" that is not a docker name',
    ],
    [
      "h ansible_connection=kubectl ansible_kubectl_namespace=a:b",
      'has ansible_kubectl_namespace "a:b" that is not a kubectl name',
    ],
    [
      "h ansible_connection=docker ansible_user=-oX",
      'has ansible_user "-oX" that is not a user name',
    ],
    [
      "h ansible_connection=community.general.lxc",
      'uses ansible_connection "community.general.lxc", which drives LXC through liblxc ' +
      "(lxc-attach), which mitoctl has no method for; LXD instances are community.general.lxd",
    ],
    [
      "h ansible_connection=community.general.machinectl",
      'uses ansible_connection "community.general.machinectl", which is a become method in ' +
      "Ansible, not a connection; a systemd machine is the target machinectl:[user@]machine",
    ],
    [
      "h ansible_connection=community.docker.docker_api",
      'uses ansible_connection "community.docker.docker_api"; mitoctl reads ssh, local and ' +
      "community.docker.docker, community.general.docker, containers.podman.podman, " +
      "kubernetes.core.kubectl, community.kubernetes.kubectl, community.general.lxd, " +
      "community.general.incus",
    ],
  ];
  for (const [line, why] of cases) refused(line, why);
});
