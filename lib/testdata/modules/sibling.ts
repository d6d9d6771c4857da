/** Next to main.ts but imported by nothing: never served. */
export const secret = "sibling";
