// Components in three start indices; each logs the time it started.
import { defineComponents } from "../../../mod.ts";

export default defineComponents(({ hosts, args }) => [
  ...hosts().map((h) => ({
    name: `first@${h}`,
    host: h,
    executable: "run.sh",
    args: ["first", args.greeting ?? "none"],
    files: { "./app/run.sh": "run.sh" },
    start: 1,
  })),
  {
    name: "second-a",
    host: hosts()[0]!,
    executable: "app/run.sh",
    args: ["second-a"],
    files: { "./app": "app" },
    start: 2,
  },
  {
    name: "second-b",
    host: hosts()[0]!,
    executable: "app/run.sh",
    args: ["second-b"],
    files: { "./app": "app" },
    start: 2,
  },
  {
    name: "third",
    host: hosts()[0]!,
    executable: "/bin/sh",
    args: [
      "-c",
      'echo "start $(date +%s%N) third"; echo "$GREETING"; echo listening; exec sleep 300',
    ],
    env: { GREETING: `hello ${args.greeting ?? ""}` },
    ready: /^listening$/,
    start: 3,
  },
]);
