/**
 * `mitoctl inventory`: what mitoctl read from an inventory, in `ansible-inventory`'s shapes, so
 * it can be checked against Ansible's own reading.
 *
 * @module
 */

import { ExitCode, UsageError } from "../errors.ts";
import { readInventory } from "../inventory/inventory.ts";
import { ansibleJson, inventoryGraph, inventoryList } from "../inventory/inventory_view.ts";
import { FLEET_FLAGS, fleetOptions, parse } from "./args.ts";
import { printLine } from "./output.ts";

/** `mitoctl inventory --help`. */
export const HELP_INVENTORY =
  `Usage: mitoctl inventory [-i FILE] --list | --host HOST | --graph [GROUP]

Shows what mitoctl reads from an Ansible inventory (INI, YAML, or JSON as inventory scripts
and "ansible-inventory --list" print it), in the shapes "ansible-inventory" uses, so the two
can be compared:

  --list          every group with its own hosts and child groups, and each host's merged
                  variables under _meta.hostvars (JSON, keys sorted)
  --host HOST     one host's merged variables (JSON)
  --graph [GROUP] the group tree from GROUP (default all)

  -i, --inventory FILE   the inventory (default $MITOCTL_INVENTORY)`;

const USAGE = "Usage: mitoctl inventory [-i FILE] --list | --host HOST | --graph [GROUP]";

/** `mitoctl inventory`. */
export async function inventory(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      inventory: FLEET_FLAGS.inventory,
      list: { type: "boolean" },
      host: { type: "string" },
      graph: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    Infinity,
  );
  if (values.help) {
    printLine(HELP_INVENTORY);
    return ExitCode.ok;
  }
  const modes = ["list", "host", "graph"].filter((m) => values[m] !== undefined);
  if (modes.length !== 1) throw new UsageError(`${USAGE} (exactly one of the three)`);
  if (positionals.length > (values.graph ? 1 : 0)) {
    throw new UsageError(`Unexpected argument "${positionals.at(-1)}"; ${USAGE}`);
  }
  const file = fleetOptions(values, (name) => Deno.env.get(name)).inventory;
  if (file === undefined) {
    throw new UsageError(`No inventory: pass -i FILE or set MITOCTL_INVENTORY; ${USAGE}`);
  }
  const inv = await readInventory(file);
  if (values.list) printLine(ansibleJson(inventoryList(inv)));
  else if (values.graph) printLine(inventoryGraph(inv, positionals[0] ?? "all").join("\n"));
  else printLine(ansibleJson(inv.hostVars(values.host as string)));
  return ExitCode.ok;
}
