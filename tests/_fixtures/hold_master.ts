/**
 * A master process for lifecycle tests to kill: it connects to a target, prints one JSON line
 * `{"pid": <remote stage pid>}` on stdout, then makes one call that never returns in time and
 * waits for it. The test kills it (SIGKILL, SIGINT …) and checks what is left behind.
 *
 * Usage: `deno run -A hold_master.ts '<json HoldPlan>'`
 *
 * @module
 */

import { Router } from "../../mod.ts";

/** What the held master does; passed as its one argument, as JSON. */
export interface HoldPlan {
  /** Target in CLI syntax: `"local"` or an ssh alias. */
  target: string;
  /** ssh_config file for ssh targets. */
  sshConfig?: string;
  /** Runtime path on the target. */
  runtime: string;
  /** Module and export of the call that holds the context busy. */
  mod: string;
  fn: string;
  /** Arguments of that call. */
  args: unknown[];
}

if (import.meta.main) {
  const plan = JSON.parse(Deno.args[0] ?? "{}") as HoldPlan;
  const router = new Router();
  const ctx = await router.connect(plan.target, {
    runtime: plan.runtime,
    ...(plan.sshConfig === undefined ? {} : { sshConfig: plan.sshConfig }),
  });
  console.log(JSON.stringify({ pid: ctx.info?.pid }));
  await ctx.call(plan.mod, plan.fn, ...plan.args);
  console.log(JSON.stringify({ returned: true }));
  await router.close();
}
