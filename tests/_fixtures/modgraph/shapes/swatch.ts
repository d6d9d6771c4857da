/**
 * TypeScript-only syntax that stripping must turn into JavaScript: an enum, parameter
 * properties, a type-only import specifier and type annotations.
 *
 * @module
 */

import { type Shaded } from "./types.ts";

/** Colours with runtime values. */
export enum Shade {
  Red = 1,
  Teal,
  Ochre,
}

/** A sample of colour; its fields are parameter properties. */
export class Swatch implements Shaded {
  constructor(readonly shade: Shade, public weight: number, private label = "swatch") {}

  /** The swatch's own label and shade. */
  name(): string {
    return `${this.label}:${Shade[this.shade]}`;
  }
}

/** Describes anything shaded. */
export function paint(item: Shaded & { name(): string }): string {
  return `${item.name()}#${item.shade as number}`;
}
