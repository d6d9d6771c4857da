/** A method module that forgets to register its method: `--methods` refuses it. */
import { allMethods, type Method } from "../../../mod.ts";

export const mine: Method = { ...allMethods().find((m) => m.name === "sudo")!, name: "mine" };
