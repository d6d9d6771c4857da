/**
 * The connection methods built into mitoctl, one line each; the remote stage carries them all.
 * A new method is a file of its own and one line here.
 *
 * @module
 */

export { local } from "./local.ts";
export { ssh } from "./ssh.ts";
export { sudo } from "./sudo.ts";
export { su } from "./su.ts";
export { doas } from "./doas.ts";
export { setns } from "./setns.ts";
export { docker } from "./docker.ts";
export { podman } from "./podman.ts";
export { kubectl } from "./kubectl.ts";
export { lxc } from "./lxc.ts";
export { incus } from "./incus.ts";
export { machinectl } from "./machinectl.ts";
