/**
 * Quoted text with backslash escapes, as YAML's double-quoted scalars and Python's string
 * literals write it: one reader, each language giving its own escapes. Pure.
 *
 * @module
 */

/** A language's escapes. */
export interface QuoteRules {
  /** One-character escapes: `n` is a newline. */
  escapes: Readonly<Record<string, string>>;
  /** Whether an escape it does not know is an error (YAML) or kept as written (Python). */
  strict: boolean;
}

/** Escapes followed by a code point in hex, with its width: `\x41`, `\u00e9`, `\U0001F600`. */
const HEX_WIDTH: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

/** What {@linkcode readQuoted} found: the text and the index after its closing quote. */
export type Quoted = { value: string; end: number } | { error: string };

/** Reads the quoted text whose opening quote is `text[at]`. */
export function readQuoted(text: string, at: number, rules: QuoteRules): Quoted {
  const quote = text[at];
  let out = "";
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === quote) return { value: out, end: i + 1 };
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = text[++i] ?? "";
    const width = HEX_WIDTH[e] ?? 0;
    const hex = text.slice(i + 1, i + 1 + width);
    if (e in rules.escapes) out += rules.escapes[e];
    else if (width && hex.length === width && /^[0-9A-Fa-f]+$/.test(hex)) {
      out += String.fromCodePoint(parseInt(hex, 16));
      i += width;
    } else if (rules.strict) return { error: `unknown escape "\\${e}"` };
    else out += `\\${e}`;
  }
  return { error: "unclosed quote" };
}
