import { deepStrictEqual, match, rejects, strictEqual } from "node:assert/strict";
import { parseInventory } from "../inventory/inventory.ts";
import { configKey, errorLocation, loadConfig } from "./load.ts";

const MOD = new URL("../../mod.ts", import.meta.url).href;

/** Writes a config module into a fresh directory and returns its path. */
async function writeConfig(source: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-config-" });
  const path = `${dir}/deploy.ts`;
  await Deno.writeTextFile(path, source.replaceAll("MOD", MOD));
  return path;
}

Deno.test("loadConfig() gives the definition hosts and --set args, then applies transform", async () => {
  const path = await writeConfig(`import { defineComponents } from "MOD";
export default defineComponents(({ hosts, args }) =>
  [...hosts(), ...hosts("@web")].map((h) => ({
    name: "api@" + h, host: h, executable: "bin/api", args: [args.port], files: { "./dist": "." },
  }))
);
export function transform(components) {
  return components.map((c) => ({ ...c, env: { PORT: c.args[0] } }));
}
`);
  try {
    const inventory = parseInventory("[web]\nweb1\nweb2\n", "hosts.ini");
    const config = await loadConfig(path, { args: { port: "8080" }, hosts: ["db1"], inventory });
    deepStrictEqual(
      config.components.map((c) => [c.name, c.host, c.args, c.env, c.files]),
      ["db1", "web1", "web2"].map((h) => [
        `api@${h}`,
        h,
        ["8080"],
        { PORT: "8080" },
        [[`${Deno.realPathSync(path).replace(/deploy\.ts$/, "dist")}`, "."]],
      ]),
    );
    strictEqual(config.path, path);
    strictEqual(config.key, await configKey(Deno.realPathSync(path)));
    match(config.key, /^[0-9a-f]{16}$/);
  } finally {
    await Deno.remove(path.replace(/\/deploy\.ts$/, ""), { recursive: true });
  }
});

Deno.test("loadConfig() reports a throwing config with its file and line", async () => {
  const path = await writeConfig(`export default () => {
  const x = 1;
  throw new RangeError("no port " + x);
};
`);
  try {
    await rejects(loadConfig(path), {
      name: "UsageError",
      message: `Config "${path}" failed at ${path}:3:9: RangeError: no port 1`,
    });
  } finally {
    await Deno.remove(path.replace(/\/deploy\.ts$/, ""), { recursive: true });
  }
});

Deno.test("loadConfig() rejects a missing file, a bad export and hosts() without --hosts", async () => {
  await rejects(loadConfig("/nonexistent/deploy.ts"), {
    name: "UsageError",
    message: `Cannot load config "/nonexistent/deploy.ts": it does not exist`,
  });
  const bad = await writeConfig(`export const components = [];\n`);
  const noHosts = await writeConfig(`export default ({ hosts }) => hosts().map((h) => ({}));\n`);
  try {
    await rejects(loadConfig(bad), /must export default defineComponents\(…\) or an array/);
    await rejects(
      loadConfig(noHosts),
      /failed at .*deploy\.ts:1:\d+: UsageError: hosts\(\) lists the hosts given with --hosts/,
    );
  } finally {
    for (const p of [bad, noHosts]) {
      await Deno.remove(p.replace(/\/deploy\.ts$/, ""), { recursive: true });
    }
  }
});

Deno.test("errorLocation() prefers the config's own frame", () => {
  const error = new Error("x");
  error.stack = "Error: x\n    at f (file:///lib/a.ts:1:2)\n    at file:///srv/deploy.ts:7:3";
  strictEqual(errorLocation(error, "file:///srv/deploy.ts", "deploy.ts"), "deploy.ts:7:3");
  strictEqual(errorLocation(error, "file:///other.ts", "other.ts"), "/lib/a.ts:1:2");
  strictEqual(errorLocation("thrown string", "file:///x.ts", "x.ts"), undefined);
});
