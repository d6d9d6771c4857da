import { double } from "../util/numbers.ts";

/** Upper-cases text and repeats its length doubled. */
export function shout(text: string): string {
  return `${text.toUpperCase()} (${double(text.length)})`;
}
