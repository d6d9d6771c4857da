/**
 * Long-running components: processes a config module describes, started on their hosts under
 * detached supervisors that outlive the master, and found again by later runs of the same config
 * for their status, logs and stopping. What `mitoctl up|status|logs|down` do.
 *
 * @example
 * Not run by the doc tests: it needs a remote host; tests/readme_test.ts type-checks it.
 * ```ts ignore
 * import { Router } from "../../mod.ts";
 * import { down, loadConfig, status, up } from "./mod.ts";
 *
 * const config = await loadConfig("deploy.ts", { args: { version: "1.4" } });
 * await using router = new Router();
 * const { ok } = await up(router, config);
 * for (const row of await status(router, config)) console.log(row.name, row.state);
 * await down(router, config);
 * ```
 *
 * @module
 */

export {
  type ComponentsDefinition,
  type ComponentSpec,
  type ComponentsTransform,
  type ConfigInput,
  DEFAULT_GRACE,
  DEFAULT_READY_TIMEOUT,
  defineComponents,
} from "./config.ts";
export { type Component, COMPONENT_NAME, planComponents, startWaves } from "./plan.ts";
export { configKey, loadConfig, type LoadedConfig, type LoadOptions } from "./load.ts";
export { HostPool, type HostPoolOptions } from "./hosts.ts";
export {
  DEFAULT_STOP_GRACE,
  newRunId,
  up,
  type UpEvent,
  type UpOptions,
  type UpResult,
} from "./up.ts";
export {
  down,
  type DownOptions,
  type DownResult,
  findComponent,
  followLogs,
  logs,
  type LogsOptions,
  status,
  type StatusRow,
} from "./control.ts";
export { DEFAULT_LOG_LIMIT } from "../remote/supervisor.ts";
