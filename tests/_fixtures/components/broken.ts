// Components that cannot start, chosen with --set case=…
import { defineComponents } from "../../../mod.ts";

export default defineComponents(({ hosts, args }) => {
  const host = hosts()[0]!;
  if (args.case === "missing") {
    return [{ name: "ghost", host, executable: "bin/no-such-program" }];
  }
  return [
    { name: "steady", host, executable: "/bin/sleep", args: ["300"], start: 1 },
    {
      name: "crash",
      host,
      executable: "/bin/sh",
      args: ["-c", "echo about to fail; echo bad config >&2; exit 3"],
      start: 2,
    },
    { name: "later", host, executable: "/bin/sleep", args: ["300"], start: 3 },
  ];
});
