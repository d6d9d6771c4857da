// Entry of the module server's fixture graph.
import { shout } from "./util/strings.ts";
import { Point } from "./shapes/point.ts";
import { Color, Swatch } from "./shapes/color.ts";
import { ping } from "./cycle/a.ts";
import config from "./data/config.json" with { type: "json" };
import type { Shape } from "./shapes/types.ts";

export * from "./util/numbers.ts";

/** Touches every static import so that none is elided. */
export function describe(shape: Shape): string {
  const swatch = new Swatch(Color.Red, "red");
  return shout(`${shape.name} ${new Point(1, 2).norm()} ${swatch.label} ${ping(1)} ${config.name}`);
}

/** A literal dynamic import: served on demand. */
export async function report(): Promise<string> {
  const { summary } = await import("./lazy/report.ts");
  return summary();
}

/** A template dynamic import: any module matching plugins/*.ts may be asked for. */
export async function plugin(name: string): Promise<unknown> {
  return await import(`./plugins/${name}.ts`);
}

/** A computed dynamic import: nothing can be known ahead. */
export async function anything(specifier: string): Promise<unknown> {
  return await import(specifier);
}
