/** A second method module, loaded after the README's: `runuser-too` is `runuser` by another name. */
import { registerMethod } from "../../../mod.ts";
import { runuser } from "../../../examples/runuser_method.ts";

registerMethod({ ...runuser, name: "runuser-too", syntax: "runuser-too[:user]" });
