/** A plugin found by main.ts's template import. */
export const name = "alpha";
