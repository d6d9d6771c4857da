import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { dirsToSettle, parentOf, planSync, sameTime, settleChecks } from "./plan.ts";
import type { FileEntry } from "./remote.ts";

function file(path: string, size = 1, mtimeMs = 1000, mode = 0o644): FileEntry {
  return { path, kind: "file", size, mtimeMs, mode };
}
function dir(path: string, mtimeMs = 1000, mode = 0o755): FileEntry {
  return { path, kind: "dir", size: 0, mtimeMs, mode };
}
function link(path: string, target: string): FileEntry {
  return { path, kind: "link", size: 0, mtimeMs: 1000, mode: 0o777, target };
}
const paths = (entries: FileEntry[]) => entries.map((e) => e.path);

Deno.test("planSync() creates everything when the destination is missing", () => {
  const source = [dir(""), file("a"), dir("d"), link("l", "a"), file("d/b")];
  const plan = planSync(source, []);
  deepStrictEqual(paths(plan.dirs), ["", "d"]);
  deepStrictEqual(paths(plan.send), ["a", "d/b"]);
  deepStrictEqual(paths(plan.links), ["l"]);
  deepStrictEqual(plan.check, []);
  strictEqual(plan.files, 2);
});

Deno.test("planSync() checks hashes only of files whose sizes match", () => {
  const source = [dir(""), file("same", 5), file("grown", 6)];
  const dest = [dir(""), file("same", 5, 2000), file("grown", 5)];
  const plan = planSync(source, dest);
  deepStrictEqual(paths(plan.check), ["same"]);
  deepStrictEqual(paths(plan.send), ["grown"]);
});

Deno.test("planSync() in fast mode skips on size and mtime, and sends on a newer mtime", () => {
  const source = [dir(""), file("same", 5, 1000.4), file("touched", 5, 3000), file("mode", 5)];
  const dest = [
    dir(""),
    file("same", 5, 1000),
    file("touched", 5, 1000),
    file("mode", 5, 1000, 0o600),
  ];
  const plan = planSync(source, dest, { compare: "fast" });
  deepStrictEqual(paths(plan.send), ["touched"]);
  deepStrictEqual(paths(plan.attrs), ["mode"]);
});

Deno.test("planSync() in always mode sends every file", () => {
  const plan = planSync([dir(""), file("a")], [dir(""), file("a")], { compare: "always" });
  deepStrictEqual(paths(plan.send), ["a"]);
});

Deno.test("planSync() replaces an entry of another kind and ignores what was below it", () => {
  const source = [dir(""), file("x"), dir("y"), file("y/f")];
  const dest = [dir(""), dir("x"), file("x/old"), file("y")];
  const plan = planSync(source, dest, { delete: true });
  deepStrictEqual(plan.replace, ["x", "y"]);
  deepStrictEqual(paths(plan.send), ["x", "y/f"]);
  deepStrictEqual(paths(plan.dirs), ["y"]);
  deepStrictEqual(plan.extra, []);
});

Deno.test("planSync() lists extraneous entries outermost only", () => {
  const source = [dir(""), file("keep")];
  const dest = [dir(""), file("keep"), dir("old"), file("stale"), file("old/a"), dir("old/b")];
  deepStrictEqual(planSync(source, dest).extra, ["old", "stale"]);
});

Deno.test("planSync() replaces a link whose target changed and counts special files", () => {
  const source: FileEntry[] = [dir(""), link("l", "new"), link("same", "t"), {
    ...file("fifo"),
    kind: "other",
  }];
  const plan = planSync(source, [dir(""), link("l", "old"), link("same", "t")]);
  deepStrictEqual(paths(plan.links), ["l"]);
  strictEqual(plan.ignored, 1);
});

Deno.test("settleChecks() sends files whose hashes differ and fixes attributes of the rest", () => {
  const source = [dir(""), file("same"), file("differs"), file("chmod", 1, 1000, 0o600)];
  const dest = [dir(""), file("same"), file("differs"), file("chmod")];
  const plan = planSync(source, dest);
  settleChecks(plan, dest, (p) => p !== "differs");
  deepStrictEqual(paths(plan.send), ["differs"]);
  deepStrictEqual(paths(plan.attrs), ["chmod"]);
  deepStrictEqual(plan.check, []);
});

Deno.test("dirsToSettle() returns changed directories deepest first", () => {
  const source = [dir(""), dir("a"), dir("a/b"), file("a/b/f"), dir("c", 5000), dir("quiet")];
  const dest = [dir(""), dir("a"), dir("c"), dir("quiet")];
  const plan = planSync(source, dest);
  deepStrictEqual(paths(dirsToSettle(plan, source, dest, false)), ["a/b", "a", "c"]);
});

Deno.test("dirsToSettle() includes parents of deleted entries only when deleting", () => {
  const source = [dir(""), dir("d")];
  const dest = [dir(""), dir("d"), file("d/gone")];
  const plan = planSync(source, dest, { delete: true });
  deepStrictEqual(paths(dirsToSettle(plan, source, dest, true)), ["d"]);
  deepStrictEqual(paths(dirsToSettle(plan, source, dest, false)), []);
});

Deno.test("parentOf() and sameTime() handle the root and sub-millisecond times", () => {
  strictEqual(parentOf(""), undefined);
  strictEqual(parentOf("a"), "");
  strictEqual(parentOf("a/b/c"), "a/b");
  strictEqual(sameTime(1000.9, 1000), true);
  strictEqual(sameTime(1001, 1000), false);
});
