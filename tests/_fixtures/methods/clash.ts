/** A method module that takes a built-in method's name: `--methods` refuses it. */
import { allMethods, registerMethod } from "../../../mod.ts";

registerMethod({ ...allMethods().find((m) => m.name === "sudo")!, summary: "my own sudo" });
