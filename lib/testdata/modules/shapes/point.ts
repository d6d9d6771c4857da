import type { Shape } from "./types.ts";
// Imported without `type`, but only used as a type: Deno drops this import.
import { Area } from "./types.ts";

/** A point; its area is zero. */
export class Point implements Area {
  readonly x: number;
  readonly y: number;
  constructor(x: number, y: number) {
    this.x = x;
    this.y = y;
  }
  /** Distance from the origin. */
  norm(): number {
    return Math.hypot(this.x, this.y);
  }
  area(): number {
    return 0;
  }
}

/** A point as a named shape. */
export function named(point: Point, name: string): Shape {
  return { name: `${name}(${point.x},${point.y})` };
}

/** Line 29 throws, so a stack trace can be checked against the file. */
export function fail(): never {
  throw new Error("point failed");
}
