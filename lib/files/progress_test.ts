import { strictEqual } from "node:assert/strict";
import { formatBytes, formatRate, progressLine, summaryLine } from "./progress.ts";

Deno.test("formatBytes() keeps small sizes whole and scales by 1024", () => {
  strictEqual(formatBytes(0), "0 B");
  strictEqual(formatBytes(1023), "1023 B");
  strictEqual(formatBytes(1536), "1.5 KiB");
  strictEqual(formatBytes(3 * 1024 ** 3), "3.0 GiB");
});

Deno.test("formatRate() reads MB per second and survives no time", () => {
  strictEqual(formatRate(50e6, 500), "100.0 MB/s");
  strictEqual(formatRate(1, 0), "- MB/s");
});

Deno.test("progressLine() shows bytes, percent, rate and files", () => {
  const line = progressLine({
    bytesDone: 1048576,
    bytesTotal: 4194304,
    filesDone: 1,
    filesTotal: 3,
  }, 1000);
  strictEqual(line, "1.0 MiB / 4.0 MiB  25%  1.0 MB/s  1/3 files");
});

Deno.test("summaryLine() names the target and leaves out zero extras", () => {
  const s = {
    target: "web1",
    path: "/srv/app",
    files: 5,
    sent: 2,
    skipped: 3,
    deleted: 1,
    links: 1,
    dirs: 0,
    ignored: 0,
    bytes: 2048,
    ms: 500,
  };
  strictEqual(
    summaryLine(s),
    "web1: 2 sent (2.0 KiB), 3 up to date, 1 deleted, 1 link in 0.5 s (0.0 MB/s)",
  );
  strictEqual(summaryLine(s, true), "web1: 2 to send (2.0 KiB), 3 up to date, 1 to delete, 1 link");
});
