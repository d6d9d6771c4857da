// One component that says which runtime's remote stage started it.
import { defineComponents } from "../../../mod.ts";

export default defineComponents(({ hosts, args }) => [{
  name: `probe-${args.runtime}`,
  host: hosts()[0]!,
  executable: "/bin/sh",
  args: ["-c", 'echo "started for $RUNTIME"; echo ready; exec sleep 300'],
  env: { RUNTIME: args.runtime ?? "" },
  ready: "^ready$",
}]);
