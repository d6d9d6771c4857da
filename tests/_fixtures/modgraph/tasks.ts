/**
 * The main call target of the module forwarding tests. It reaches every kind of import the
 * master forwards: relative files across folders, a cycle, JSON, TypeScript-only syntax, a
 * shared stateful module, a literal dynamic import and a template dynamic import.
 *
 * @module
 */

import config from "./data/config.json" with { type: "json" };
import { ping } from "./cycle/ping.ts";
import type { Report } from "./shapes/types.ts";
import { paint, Shade, Swatch } from "./shapes/swatch.ts";
import { bump as bumpShared, type CounterState } from "./state/counter.ts";

/** What the graph computes, with the URLs it sees itself under. */
export function describe(): Report {
  const swatch = new Swatch(Shade.Teal, 3);
  return {
    url: import.meta.url,
    swatchUrl: new URL("./shapes/swatch.ts", import.meta.url).href,
    config: config.name,
    cycle: ping(5),
    shade: Shade[Shade.Teal] ?? "",
    painted: paint(swatch),
    weight: swatch.weight,
  };
}

/** Increments the shared counter on behalf of this module. */
export function bump(): CounterState {
  return bumpShared("tasks");
}

/** Loads a plugin named by a string literal. */
export async function literal(): Promise<string> {
  const plugin = await import("./plugins/literal.ts");
  return plugin.describe();
}

/** Loads the plugin `name` through a template import, fetched when first asked for. */
export async function plugin(name: string): Promise<string> {
  const loaded: { describe(): string } = await import(`./plugins/${name}.ts`);
  return loaded.describe();
}

/** Adds two numbers: a plain call for the typed handle. */
export function add(a: number, b: number): number {
  return a + b;
}
