/**
 * From a command's flags to the hosts it runs on: connect options (the passwords included)
 * and the fleet the target specs name, with the inventory of `-i` or `$MITOCTL_INVENTORY`.
 *
 * @module
 */

import { type FleetHost, planFleet } from "../fleet/fanout.ts";
import type { ConnectOptions } from "../master/router.ts";
import { UsageError } from "../errors.ts";
import { checkPassword } from "../methods/ssh_askpass.ts";
import { connectOptions, fleetOptions, type Parsed, sshPassword, sudoPassword } from "./args.ts";

/** Connect options from the flags, the ssh and sudo passwords included. */
export async function commandOptions(values: Parsed["values"]): Promise<ConnectOptions> {
  const options = connectOptions(values);
  const password = await sudoPassword(values);
  if (password !== undefined) options.sudoPassword = password;
  const ssh = await sshPassword(values);
  if (ssh !== undefined) {
    try {
      options.password = checkPassword(ssh);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  return options;
}

/** The hosts `specs` name: comma lists, `@group`s and inventory hosts. */
export function hostsOf(
  specs: string[],
  values: Parsed["values"],
  connect: ConnectOptions,
): Promise<FleetHost[]> {
  const { inventory } = fleetOptions(values, (name) => Deno.env.get(name));
  const onWarning = (message: string) => console.error(`mitoctl: warning: ${message}`);
  return planFleet(
    specs,
    inventory === undefined ? { connect } : { connect, inventory, onWarning },
  );
}
