import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { badPath, checkData, checkHashes, checkListing, linkEscapes } from "./checks.ts";
import type { FileEntry } from "./remote.ts";

const where = { from: "web1", root: "/srv" };
const root: FileEntry = { path: "", kind: "dir", size: 0, mtimeMs: 1, mode: 0o755 };

Deno.test("linkEscapes() lets only leading .. steps climb, no higher than the root", () => {
  const cases: [string, string, boolean][] = [
    ["l", "a/b", false],
    ["l", ".", false],
    ["l", "./a//b/", false],
    ["d/l", "../a", false],
    ["d/e/l", "../../a/b", false],
    ["l", "..", true],
    ["l", "../x", true],
    ["d/l", "../../x", true],
    ["l", "/etc/passwd", true],
    ["l", "a/../b", true],
    ["d/l", "x/..", true],
    ["d/l", "./../.", false],
  ];
  for (const [path, target, escapes] of cases) {
    strictEqual(linkEscapes(path, target), escapes, `${path} -> ${target}`);
  }
});

Deno.test("badPath() accepts plain relative paths only", () => {
  strictEqual(badPath("a/b.c/..d"), undefined);
  strictEqual(badPath("a/../b"), 'has a ".." segment');
  strictEqual(badPath("/a"), "is an absolute path");
  strictEqual(badPath("a/"), "has an empty segment");
  strictEqual(badPath("x".repeat(256)), "has a name longer than 255 bytes");
  strictEqual(badPath("a/".repeat(2049) + "a"), "is longer than 4096 bytes");
});

Deno.test("checkListing() copies the known fields only and applies the policy", () => {
  const listed = {
    entries: [
      { ...root, extra: 1 },
      { path: "s", kind: "file", size: 1, mtimeMs: 2, mode: 0o6755 },
      { path: "l", kind: "link", size: 0, mtimeMs: 2, mode: 0o777, target: "s" },
    ],
  };
  const plain = checkListing(listed, where);
  deepStrictEqual(plain[0], root);
  strictEqual(plain[1]!.mode, 0o6755);
  const pulled = checkListing(listed, { ...where, policy: {} });
  strictEqual(pulled[1]!.mode, 0o755);
  strictEqual(pulled[2]!.target, "s");
  strictEqual(
    checkListing(listed, { ...where, policy: { keepSpecialModes: true } })[1]!.mode,
    0o6755,
  );
});

Deno.test("checkListing() takes an empty listing only where the root may be missing", () => {
  deepStrictEqual(checkListing({ entries: [] }, where), []);
  throws(() => checkListing({ entries: [] }, { ...where, mustExist: true }), {
    name: "RefusedValueError",
    message: 'Refused the listing of "/srv" from "web1": it is empty',
  });
});

Deno.test("checkListing() refuses entries below a file root and a root of another kind", () => {
  const fileRoot = { ...root, kind: "file" };
  throws(() => checkListing({ entries: [fileRoot, { ...root, path: "x" }] }, where), {
    name: "RefusedValueError",
    message: /entry "x" is below "", a file/,
  });
  throws(() => checkListing({ entries: [{ ...root, kind: "link", target: "/" }] }, where), {
    name: "RefusedValueError",
    message: /its root is neither a file nor a directory/,
  });
});

Deno.test("checkHashes() and checkData() want the count and the type asked for", () => {
  const hash = "a".repeat(64);
  deepStrictEqual(checkHashes([hash, null], 2, "web1"), [hash, null]);
  throws(() => checkHashes([hash], 2, "web1"), { name: "RefusedValueError", message: /"web1"/ });
  throws(() => checkHashes(["A".repeat(64)], 1, "web1"), { name: "RefusedValueError" });
  deepStrictEqual(checkData([new Uint8Array(1)], 1, "web1"), [new Uint8Array(1)]);
  throws(() => checkData([[1]], 1, "web1"), {
    name: "RefusedValueError",
    message: 'Refused the file contents from "web1": expected 1 byte arrays',
  });
});
