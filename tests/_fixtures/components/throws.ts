// A config whose code throws while it computes the components.
import { defineComponents } from "../../../mod.ts";

export default defineComponents(({ args }) => {
  if (args.port === undefined) {
    throw new Error("port is not set");
  }
  return [];
});
