import { strictEqual } from "node:assert/strict";
import { formatUptime, table } from "./components.ts";

Deno.test("formatUptime() shows the two largest units", () => {
  strictEqual(formatUptime(999), "0s");
  strictEqual(formatUptime(59_000), "59s");
  strictEqual(formatUptime(61_000), "1m 1s");
  strictEqual(formatUptime(3 * 3600_000 + 4 * 60_000 + 5000), "3h 4m");
  strictEqual(formatUptime(2 * 86400_000 + 3600_000), "2d 1h");
});

Deno.test("table() pads columns to their widest cell and trims line ends", () => {
  strictEqual(
    table([["COMPONENT", "PID", "STATE"], ["db", "12", "running"], ["api@web1", "-", "exited(3)"]]),
    "COMPONENT  PID  STATE\ndb         12   running\napi@web1   -    exited(3)",
  );
});
