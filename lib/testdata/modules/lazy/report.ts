import { double } from "../util/numbers.ts";
import { settle } from "./settle.ts";

/** Loaded only when main.ts calls report(). */
export function summary(): string {
  return `report ${double(settle())}`;
}
