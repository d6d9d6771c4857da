// A command for the Ctrl-C tests: installs a SIGINT handler, then creates the file named by its
// first argument so the test knows the handler is in place. With "handle" as its second argument
// the handler prints a line and exits with code 3; with "ignore" it does nothing.
import { writeFileSync } from "node:fs";

const [ready, mode] = process.argv.slice(2);
process.on("SIGINT", () => {
  if (mode === "ignore") return;
  console.log("caught SIGINT");
  setTimeout(() => process.exit(3), 100);
});
writeFileSync(ready, `${process.pid}`);
setInterval(() => {}, 1000);
