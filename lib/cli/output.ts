/**
 * How the CLI prints values: JSON, with the types JSON lacks spelled out.
 *
 * @module
 */

/** JSON text for any value a call can return (bigint as a string, bytes as base64, …). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === "bigint") return v.toString();
    if (v instanceof Uint8Array) return { $bytes: btoa(String.fromCharCode(...v)) };
    if (v instanceof Map) return Object.fromEntries(v);
    if (v instanceof Set) return [...v];
    if (v instanceof Error) return { name: v.name, message: v.message };
    if (v === undefined) return null;
    return v;
  }) ?? "null";
}

/** Writes one line to stdout. */
export function printLine(text: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(`${text}\n`));
}
