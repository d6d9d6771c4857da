/**
 * The JavaScript runtimes a remote stage is tested on: the pinned Deno from `node_modules` and
 * Node 20, 22 and 24. Node releases missing on this machine are installed from the npm registry
 * into `<repo>/.cache/runtimes` on first use.
 *
 * @module
 */

/** A runtime a remote stage can run on. */
export interface Runtime {
  /** `"deno"`, `"node20"`, `"node22"` or `"node24"`. */
  name: string;
  /** Which family of runtime this is. */
  kind: "deno" | "node";
  /** Absolute path of the executable. */
  path: string;
  /** Version without a leading `v`, e.g. `"22.23.3"`. */
  version: string;
}

/**
 * Node releases installed from npm when the machine does not have them. Exact versions keep test
 * runs reproducible; all of them have `module.registerHooks` except Node 20.
 */
export const NODE_RELEASES: Readonly<Record<string, string>> = {
  node20: "20.20.2",
  node22: "22.23.3",
  node24: "24.21.0",
};

/**
 * Releases just older than a remote stage needs (it names "Node 20.16 or later, or Deno 2.8 or
 * later"), installed from npm to check that they are refused clearly.
 */
export const OLD_RELEASES = { node: "18.20.8", deno: "2.7.14" } as const;

/** Where a system Node is looked for before npm is asked. */
export const SYSTEM_NODE = "/usr/bin/node";

/** Absolute path of the repository root, from this file's location. */
export function repoRoot(): string {
  return decodeURIComponent(new URL("../../", import.meta.url).pathname).replace(/\/$/, "");
}

/** Absolute path of the Deno running the tests: the pinned one (`npx -y deno@2.9.6`). */
export function denoPath(): string {
  return Deno.execPath();
}

/**
 * The runtimes to test against, each verified by running it. Missing Node releases are
 * installed from npm (idempotent, safe across parallel test processes). A runtime that cannot be
 * provided is skipped with a warning, or fails the run when `CI` is set.
 */
export async function testRuntimes(): Promise<Runtime[]> {
  const runtimes: Runtime[] = [];
  const failures: string[] = [];
  const attempts: [string, () => Promise<Runtime>][] = [
    ["deno", () => probe("deno", "deno", denoPath())],
    ...Object.entries(NODE_RELEASES).map(([name, version]): [string, () => Promise<Runtime>] => [
      name,
      () => nodeRuntime(name, version),
    ]),
  ];
  for (const [name, attempt] of attempts) {
    try {
      const runtime = await attempt();
      await makeTraversable(runtime.path);
      runtimes.push(runtime);
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (failures.length > 0) {
    const message = `Cannot provide every test runtime:\n  ${failures.join("\n  ")}`;
    if (Deno.env.get("CI")) throw new Error(message);
    console.warn(`${message}\nTesting on ${runtimes.map((r) => r.name).join(", ")} only.`);
  }
  return runtimes;
}

/**
 * One supported Node, for a test that needs a Node beside Deno: the release named `name` in
 * {@linkcode NODE_RELEASES}, from the machine or installed from npm like {@linkcode testRuntimes}.
 * Never an older Node the machine happens to have.
 */
export async function testNode(name = "node22"): Promise<Runtime> {
  const version = NODE_RELEASES[name];
  if (version === undefined) throw new Error(`Unknown test runtime "${name}"`);
  const runtime = await nodeRuntime(name, version);
  await makeTraversable(runtime.path);
  return runtime;
}

/**
 * Adds the search bit for others to every directory above `path` that lacks it, so that
 * unprivileged test users can reach files in a checkout under a private directory such as
 * `/root`. Does nothing unless running as root.
 */
export async function makeTraversable(path: string): Promise<void> {
  if (Deno.uid() !== 0) return;
  let dir = path.replace(/\/[^/]*$/, "");
  while (dir !== "") {
    const info = await Deno.stat(dir);
    const mode = info.mode ?? 0o755;
    if ((mode & 0o001) === 0) await Deno.chmod(dir, (mode & 0o7777) | 0o001);
    dir = dir.replace(/\/[^/]*$/, "");
  }
}

async function nodeRuntime(name: string, version: string): Promise<Runtime> {
  const major = version.split(".")[0];
  if (isFile(SYSTEM_NODE)) {
    const system = await probe(name, "node", SYSTEM_NODE);
    if (system.version.split(".")[0] === major) return system;
  }
  return probe(name, "node", await installNode(version));
}

/**
 * The runtimes of {@linkcode OLD_RELEASES}, installed from npm when missing: a remote stage must
 * refuse to start on them.
 */
export async function oldRuntimes(): Promise<Runtime[]> {
  const node = await installNode(OLD_RELEASES.node);
  const deno = await installRelease(
    "deno",
    OLD_RELEASES.deno,
    `@deno/${Deno.build.os}-${npmArch()}-glibc/deno`,
  );
  const runtimes = [await probe("node18", "node", node), await probe("deno2.7", "deno", deno)];
  for (const runtime of runtimes) await makeTraversable(runtime.path);
  return runtimes;
}

/** Installs `node-<os>-<arch>@version` (a package holding only the binary, no install scripts). */
function installNode(version: string): Promise<string> {
  const pkg = `node-${Deno.build.os}-${npmArch()}`;
  return installRelease(pkg, version, `${pkg}/bin/node`);
}

/**
 * Installs `pkg@version` without its install scripts under `<repo>/.cache/runtimes`, and returns
 * the path of `binary` (relative to its `node_modules`) once it reports that version.
 */
async function installRelease(pkg: string, version: string, binary: string): Promise<string> {
  const cache = `${repoRoot()}/.cache/runtimes`;
  const target = `${cache}/${pkg}-${version}`;
  const installed = `${target}/node_modules/${binary}`;
  if (await runsAs(installed, version)) return installed;

  await Deno.mkdir(cache, { recursive: true });
  // Parallel test processes wait here instead of downloading the same release each.
  using lock = await Deno.open(`${cache}/.install.lock`, { create: true, write: true });
  await lock.lock(true);
  if (await runsAs(installed, version)) return installed;

  const staging = await Deno.makeTempDir({ dir: cache, prefix: `.${pkg}-${version}-` });
  try {
    await Deno.writeTextFile(`${staging}/package.json`, '{ "private": true }\n');
    const npm = await new Deno.Command("npm", {
      args: [
        // No --prefix: it also moves npm's global config (`<prefix>/etc/npmrc`, which may
        // hold the registry's CA file); the package.json in cwd makes it the install root.
        "install",
        "--no-save",
        "--no-package-lock",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        `${pkg}@${version}`,
      ],
      cwd: staging,
      clearEnv: true,
      env: npmEnv(),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!npm.success) {
      const output = new TextDecoder().decode(npm.stderr).trim();
      throw new Error(`npm could not install "${pkg}@${version}": ${output}`);
    }
    const staged = `${staging}/node_modules/${binary}`;
    if (!await runsAs(staged, version)) {
      throw new Error(`The binary from "${pkg}@${version}" does not run: "${staged}"`);
    }
    await Deno.chmod(staging, 0o755);
    // A directory left by an interrupted or foreign install: replace it.
    await Deno.remove(target, { recursive: true }).catch(() => {});
    await Deno.rename(staging, target);
    return installed;
  } finally {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }
}

/** Runs `path --version` and builds the runtime record from its answer. */
async function probe(name: string, kind: Runtime["kind"], path: string): Promise<Runtime> {
  const output = await new Deno.Command(path, {
    args: ["--version"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  // Node prints "v22.23.3", Deno prints "deno 2.9.6 (stable, release, …)".
  const version = /^(?:v|deno )(\d+\.\d+\.\d+)/.exec(text)?.[1];
  if (!output.success || version === undefined) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new Error(`"${path} --version" failed: ${JSON.stringify(text.trim())} ${stderr}`);
  }
  return { name, kind, path, version };
}

/** Whether `path` runs and reports `version` ("v22.23.3" from Node, "deno 2.9.6 …" from Deno). */
async function runsAs(path: string, version: string): Promise<boolean> {
  if (!isFile(path)) return false;
  try {
    return (await probe("", "node", path)).version === version;
  } catch {
    return false;
  }
}

/** This environment minus npm's own variables, which `npx`/`npm run` set for their children. */
function npmEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(Deno.env.toObject()).filter(([key]) => !/^npm_/i.test(key)),
  );
}

function npmArch(): string {
  return Deno.build.arch === "aarch64" ? "arm64" : "x64";
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
