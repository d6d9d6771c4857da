/**
 * The askpass program on Deno (the master, and Deno remote stages): a small sh script in an
 * anonymous memory file (`memfd_create`, through Deno's FFI), sealed against writes, that ssh
 * executes as `/proc/<pid>/fd/<n>`. Nothing reaches a filesystem. The script holds no secret: it
 * starts this Deno on the askpass code (or mitoctl's own program with its askpass flag).
 *
 * Deno has no way to load code from the environment (Node's `--import` has no Deno
 * counterpart), hence the file; Linux only.
 *
 * @module
 */

import { ASKPASS_FLAG, askpassClientJs } from "./askpass_client.ts";
import { openLibc } from "../libc.ts";
import { selfArgv } from "../stage/self.ts";
import { DENO_STAGE_ENV } from "../stage/stage_env.ts";

const MFD_CLOEXEC = 0x1;
const MFD_ALLOW_SEALING = 0x2;
/** Linux ≥ 6.3 makes a memfd executable only on request when `vm.memfd_noexec` is set. */
const MFD_EXEC = 0x10;
const F_ADD_SEALS = 1033;
const F_SEAL_ALL = 0x1 | 0x2 | 0x4 | 0x8; // SEAL, SHRINK, GROW, WRITE
const O_RDONLY_CLOEXEC = 0o2000000;

let program: string | undefined;

/** The askpass program's path, made once per process and kept open while it lives. */
export function denoAskpassProgram(): string {
  return program ??= makeProgram();
}

function makeProgram(): string {
  const quoted = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const self = selfArgv();
  const run = self
    ? `exec ${self.map(quoted).join(" ")} ${ASKPASS_FLAG} "$1"`
    : `DENO_DIR=${DENO_STAGE_ENV.DENO_DIR}; export DENO_DIR\n` +
      `exec ${quoted(Deno.execPath())} eval --no-config ` +
      `--ext=js ${quoted(askpassClientJs(false))} "$1"`;
  const script = new TextEncoder().encode(`#!/bin/sh\n${run}\n`);
  const libc = openAskpassLibc();
  try {
    const name = new TextEncoder().encode("mitoctl-askpass\0");
    const flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
    let fd = libc.symbols.memfd_create(name, flags | MFD_EXEC);
    if (fd < 0) fd = libc.symbols.memfd_create(name, flags); // a kernel before MFD_EXEC
    if (fd < 0) throw new Error("memfd_create failed");
    Deno.writeFileSync(`/proc/self/fd/${fd}`, script);
    libc.symbols.fcntl(fd, F_ADD_SEALS, F_SEAL_ALL);
    // Only a read-only descriptor stays: exec refuses a file open for writing on some kernels.
    const path = new TextEncoder().encode(`/proc/self/fd/${fd}\0`);
    const readOnly = libc.symbols.open(path, O_RDONLY_CLOEXEC);
    libc.symbols.close(fd);
    if (readOnly < 0) throw new Error("reopening the memfd failed");
    return `/proc/${Deno.pid}/fd/${readOnly}`;
  } finally {
    libc.close();
  }
}

function openAskpassLibc() {
  return openLibc({
    memfd_create: { parameters: ["buffer", "u32"], result: "i32" },
    fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
    open: { parameters: ["buffer", "i32"], result: "i32" },
    close: { parameters: ["i32"], result: "i32" },
  }, "ssh password authentication (an in-memory askpass program)");
}
