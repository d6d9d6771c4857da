/**
 * Starts a local context with `router.open()` (`open` as the argument) or `router.connect()`, then
 * makes one call carrying {@linkcode MARKER}, for a test that traces the writes.
 *
 * @module
 */
import { Router } from "../../../mod.ts";

/** A string the call carries, to find its frame among the writes. */
export const MARKER = "mitoctl-first-call-marker";

if (import.meta.main) {
  await using router = new Router();
  const ctx = Deno.args[0] === "open" ? router.open("local") : await router.connect("local");
  console.log(await ctx.call("node:path", "join", MARKER));
}
