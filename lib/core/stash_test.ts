import { deepStrictEqual } from "node:assert/strict";
import { ModuleStash } from "./stash.ts";

const a = { url: "file:///a.ts", source: "export const a = 1;" };
const b = { url: "file:///b.ts", source: "export const b = 2;" };

Deno.test("ModuleStash serves a child the set stashed for it, by number or by URL", () => {
  const stash = new ModuleStash();
  stash.keep({ t: "stash", for: 5, modules: [a, b], set: 1, urls: [a.url, b.url] });
  deepStrictEqual(stash.serve(5, { t: "mreq", id: 1, url: "", set: 1 }), {
    reply: { t: "mres", id: 1, modules: [a, b] },
    refused: [],
  });
  deepStrictEqual(stash.serve(5, { t: "mreq", id: 2, url: b.url }), {
    reply: { t: "mres", id: 2, module: b },
    refused: [],
  });
});

Deno.test("ModuleStash refuses what was stashed for another child, or for none", () => {
  const stash = new ModuleStash(new Map([[b.url, b]]));
  stash.keep({ t: "stash", for: 5, modules: [a], set: 1, urls: [a.url] });
  deepStrictEqual(stash.serve(6, { t: "mreq", id: 1, url: a.url }), {
    reply: { t: "mres", id: 1, error: `Not stashed for this context: ${a.url}` },
    refused: [a.url],
  });
  deepStrictEqual(stash.serve(6, { t: "mreq", id: 2, url: "", set: 1 }), {
    reply: { t: "mres", id: 2, error: `Not stashed for this context: ${a.url}` },
    refused: [a.url],
  });
  // Held here, but never stashed for the child.
  deepStrictEqual(stash.serve(5, { t: "mreq", id: 3, url: b.url }).refused, [b.url]);
  // A later child gets the same set by number alone.
  stash.keep({ t: "stash", for: 6, modules: [], set: 1 });
  deepStrictEqual(stash.serve(6, { t: "mreq", id: 4, url: a.url }).refused, []);
  stash.forget(6);
  deepStrictEqual(stash.serve(6, { t: "mreq", id: 5, url: a.url }).refused, [a.url]);
});
