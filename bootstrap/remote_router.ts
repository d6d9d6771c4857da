/**
 * The remote stage's router thread. It never runs user code: it reads frames from stdin, hands
 * calls to the call worker, writes replies to stdout, and exits as soon as stdin closes (the master
 * is gone), whatever the worker is doing.
 *
 * @module
 */

import { decode, encode } from "../lib/codec.ts";
import { frameInPlace, FrameReader, HEADER_SIZE } from "../lib/frame.ts";
import { MASTER_ID, type Message, type ModuleEntry, PREAMBLE } from "../lib/protocol.ts";
import { serveModuleRequests } from "./loader.ts";
import { post, received } from "./transfer.ts";
import { os, runtimeName, runtimeVersion, threads, userName } from "./runtime.ts";
import type {
  WorkerCall,
  WorkerChan,
  WorkerDone,
  WorkerItem,
  WorkerOutCall,
  WorkerOutput,
} from "./worker_messages.ts";

type Worker = InstanceType<typeof threads.Worker>;

/** Where a call came from, to address its reply: the caller and the caller's id for it. */
interface InFlight {
  src: number;
  id: number;
  call: WorkerCall;
}

type Parent = import("./parent.ts").Parent;

/** Runs the router loop of a remote stage whose code was loaded from `selfUrl`. */
export function runRemoteRouter(selfUrl: string): void {
  const stdout = process.stdout;
  const writeOut = stdout.write.bind(stdout);
  // Anything else that writes to stdout (a library, a stray console.log) goes to stderr instead.
  stdout.write = process.stderr.write.bind(process.stderr) as typeof stdout.write;

  let myId = -1;
  let parentId = MASTER_ID;
  // Only these may call into this context: the master and the contexts on the way to it.
  let ancestors = new Set<number>([MASTER_ID]);
  // Loaded with the first open: starts and routes to the contexts behind this one.
  let parent: Promise<Parent> | undefined;
  // Modules to fetch from the parent rather than the master (they were stashed there for us).
  const fromParent = new Set<string>();
  // Calls in the worker by worker id; callers pick their own ids, so they may clash.
  const inFlight = new Map<number, InFlight>();
  const byCaller = new Map<string, number>();
  let nextWid = 1;
  // Contexts the master handed this one to, with how many of their calls carry it: they may
  // call into it while one of those calls runs.
  const granted = new Map<number, number>();
  // Calls user code makes into other contexts: our id → the worker's id and the callee.
  const outgoing = new Map<number, { wid: number; dst: number }>();
  let nextOut = 1;
  const finish = (wid: number): InFlight | undefined => {
    const entry = inFlight.get(wid);
    inFlight.delete(wid);
    if (entry) byCaller.delete(`${entry.src}:${entry.id}`);
    return entry;
  };
  // Every module this context was given, so a restarted worker is served without the master.
  const store = new Map<string, ModuleEntry>();
  const asked = new Map<
    number,
    (reply: { module?: ModuleEntry; modules?: ModuleEntry[]; error?: string }) => void
  >();
  let nextAsk = 1;
  const fetchModule = (url: string): Promise<ModuleEntry | undefined> => {
    const held = store.get(url);
    if (held) return Promise.resolve(held);
    const id = nextAsk++;
    send(fromParent.has(url) ? parentId : MASTER_ID, { t: "mreq", id, url });
    return new Promise((resolve, reject) => {
      asked.set(id, ({ module, error }) => {
        if (module) store.set(module.url, module);
        if (error !== undefined) reject(new Error(error));
        else resolve(module);
      });
    });
  };
  /** Fetches a module set the parent holds for this context, in one request. */
  const fetchNeeded = (set: number): Promise<ModuleEntry[]> => {
    const id = nextAsk++;
    send(parentId, { t: "mreq", id, url: "", set });
    return new Promise((resolve, reject) => {
      asked.set(id, ({ modules = [], error }) => {
        for (const m of modules) store.set(m.url, m), fromParent.add(m.url);
        if (error !== undefined) reject(new Error(error));
        else resolve(modules);
      });
    });
  };
  let worker = startWorker();

  const send = (dst: number, msg: Message): void => {
    sendEncoded(dst, encode(msg, { room: HEADER_SIZE }));
  };
  /** Sends a message encoded after room for the frame header (by the worker too), uncopied. */
  const sendEncoded = (dst: number, bytes: Uint8Array): void => {
    writeOut(frameInPlace(bytes, dst, myId < 0 ? 0 : myId));
  };

  function startWorker(): Worker {
    const { port1, port2 } = new threads.MessageChannel();
    serveModuleRequests(port1, fetchModule);
    const w = new threads.Worker(new URL(selfUrl), {
      stdout: true,
      stderr: true,
      workerData: port2,
      transferList: [port2],
    });
    w.stdout.on("data", (d: Uint8Array) => process.stderr.write(d));
    w.stderr.on("data", (d: Uint8Array) => process.stderr.write(d));
    w.on("message", (raw: WorkerDone | WorkerOutput | WorkerItem | WorkerOutCall | WorkerChan) => {
      const m = received(raw);
      // User output travels as log lines (the master splits them), from any depth.
      if (m.t === "out") {
        return send(MASTER_ID, { t: "log", level: "info", msg: m.text, stream: m.stream });
      }
      if (m.t === "chan") return send(MASTER_ID, m);
      if (m.t === "ocall") {
        const id = nextOut++;
        outgoing.set(id, { wid: m.id, dst: m.dst });
        send(m.dst, { t: "call", id, mod: m.mod, fn: m.fn, args: m.args });
        return;
      }
      const entry = m.t === "item" ? inFlight.get(m.id) : finish(m.id);
      if (!entry) return;
      const id = entry.id;
      try {
        sendEncoded(entry.src, m.frame);
      } catch (e) {
        // Over the frame limit: this call fails, the link lives on.
        if (m.t === "item" && finish(m.id)) post(worker, { t: "stop", id: m.id });
        send(entry.src, { t: "err", id, error: encode(e) });
      }
    });
    w.on("error", (e: Error) => restart(w, `the call worker failed: ${e.message}`));
    w.on("exit", (code: number) => restart(w, `the call worker exited with code ${code}`));
    return w;
  }

  /** Fails every call the worker held and starts a fresh one. */
  function restart(old: Worker, why: string): void {
    if (old !== worker) return;
    worker = startWorker();
    void old.terminate();
    for (const { src, id } of inFlight.values()) {
      send(src, { t: "err", id, error: encode(new Error(`Call stopped: ${why}`)) });
    }
    inFlight.clear();
    byCaller.clear();
    outgoing.clear();
  }

  /**
   * Deno cannot interrupt a worker that never yields: its thread keeps a core busy after
   * terminate(). Say so, rather than let the user believe the work stopped.
   */
  function watchSpin(id: number): void {
    const start = process.cpuUsage();
    setTimeout(() => {
      const used = process.cpuUsage(start);
      // Most of 300 ms on a CPU after the worker was told to end: it did not.
      if (used.user + used.system > 200_000) {
        send(MASTER_ID, {
          t: "log",
          level: "warn",
          msg: `call ${id} was cancelled but keeps running: Deno cannot stop a busy worker; ` +
            `close the context`,
        });
      }
    }, 300);
  }

  /** Runs `fn` with the parent half once its code is loaded, in the order asked. */
  function withParent(fn: (p: Parent) => void): void {
    const fail = (why: string) =>
      send(MASTER_ID, { t: "log", level: "error", msg: `cannot start contexts: ${why}` });
    if (!parent) fail("no code sent");
    else parent.then(fn, (e: Error) => fail(e.message));
  }

  function handle(src: number, msg: Message): void {
    // Answers to calls user code made into other contexts.
    const out = outgoing.get((msg as { id: number }).id);
    if ((msg.t === "ok" || msg.t === "err") && out?.dst === src) {
      outgoing.delete(msg.id);
      const ok = msg.t === "ok";
      const data = msg.t === "ok" ? msg.value : msg.error;
      post(worker, { t: "odone", id: out.wid, ok, data });
      return;
    }
    // Granted contexts may call, and steer their own calls; only ancestors may do the rest.
    const callerOnly = msg.t === "call" || msg.t === "cancel" || msg.t === "credit" ||
      msg.t === "stop";
    if (msg.t !== "init" && !ancestors.has(src) && !(callerOnly && granted.has(src))) {
      if (msg.t === "call") {
        const why = `Context ${src} may not call into context ${myId}: no grant, or it ended ` +
          `with the call that handed it over`;
        send(src, { t: "err", id: msg.id, error: encode(new Error(why)) });
      }
      return;
    }
    switch (msg.t) {
      case "init":
        if (myId >= 0) return;
        myId = msg.id;
        parentId = msg.parent;
        ancestors = new Set(msg.ancestors);
        try {
          process.title = msg.title;
        } catch { /* some platforms refuse: not fatal */ }
        send(MASTER_ID, {
          t: "hello",
          runtime: runtimeName,
          version: runtimeVersion,
          pid: process.pid,
          host: os.hostname(),
          user: userName(),
        });
        return;
      case "open":
        if (msg.code && !parent) {
          const js = process.getBuiltinModule("node:zlib").brotliDecompressSync(msg.code);
          parent = import(`data:text/javascript;base64,${js.toString("base64")}`).then((
            m: typeof import("./parent.ts"),
          ) =>
            new m.Parent({
              id: myId,
              ancestors: [...ancestors],
              store,
              send,
              up: writeOut,
              deliver: handle,
              selfUrl,
            })
          );
        }
        return withParent((p) => p.open(msg));
      case "route":
        return withParent((p) => p.route(msg));
      case "close":
        return withParent((p) => p.close(msg.id));
      case "stash":
        return withParent((p) => p.stash(msg));
      case "grant":
        if (src === MASTER_ID) granted.set(msg.from, (granted.get(msg.from) ?? 0) + 1);
        return;
      case "revoke": {
        const left = (granted.get(msg.from) ?? 0) - 1;
        if (src !== MASTER_ID) return;
        if (left > 0) granted.set(msg.from, left);
        else granted.delete(msg.from);
        return;
      }
      case "chan":
        if (src === MASTER_ID) post(worker, msg);
        return;
      case "call": {
        const wid = nextWid++;
        const call: WorkerCall = {
          t: "call",
          id: wid,
          cid: msg.id,
          mod: msg.mod,
          fn: msg.fn,
          args: msg.args,
        };
        if (msg.credit !== undefined) call.credit = msg.credit;
        // Only ancestors bring modules: a granted caller may not replace what the master sent,
        // nor make this context ask the master for modules on its behalf.
        if (!ancestors.has(src)) {
          delete msg.modules, delete msg.need;
          if (msg.mod.startsWith("file:") && !store.has(msg.mod)) {
            const error = new Error(`Context ${myId} does not hold "${msg.mod}"`);
            return send(src, { t: "err", id: msg.id, error: encode(error) });
          }
        }
        if (msg.modules) {
          call.modules = msg.modules;
          for (const m of msg.modules) store.set(m.url, m);
        }
        inFlight.set(wid, { src, id: msg.id, call });
        byCaller.set(`${src}:${msg.id}`, wid);
        if (msg.need === undefined) {
          post(worker, call);
          return;
        }
        fetchNeeded(msg.need).then((modules) => {
          if (!inFlight.has(wid)) return;
          call.modules = [...call.modules ?? [], ...modules];
          post(worker, call);
        }, (e: Error) => {
          if (finish(wid)) send(src, { t: "err", id: msg.id, error: encode(e) });
        });
        return;
      }
      case "cancel": {
        const wid = byCaller.get(`${src}:${msg.id}`);
        if (wid === undefined) return;
        finish(wid);
        send(src, { t: "err", id: msg.id, error: encode(new Error("Call cancelled")) });
        restart(worker, `call ${msg.id} on the same context was cancelled`);
        if (runtimeName === "deno") watchSpin(msg.id);
        return;
      }
      case "credit":
      case "stop": {
        const id = byCaller.get(`${src}:${msg.id}`);
        if (id !== undefined) post(worker, { ...msg, id });
        return;
      }
      case "mres":
        asked.get(msg.id)?.(msg);
        asked.delete(msg.id);
        return;
      case "bye":
        quit();
    }
  }

  const reader = new FrameReader();
  process.stdin.on("data", (chunk: Uint8Array) => {
    try {
      reader.push(chunk, (f) => {
        if (f.dst === myId || myId < 0) return handle(f.src, decode(f.body) as Message);
        // The frame owns its bytes (lib/frame.ts), so it may wait for the parent code.
        withParent((p) => p.forward(f.dst, f.bytes));
      });
    } catch (e) {
      process.stderr.write(`mitoctl remote: ${(e as Error).message}; exiting\n`);
      process.exit(2);
    }
  });
  // The master is gone: stop at once, even if user code is still running in the worker.
  // The parent is gone or wants us gone: end now. process.exit() would wait for a call worker
  // blocked in native code (execSync) to reach a safe point, which may be never.
  // The whole process group goes, so processes user code started do not outlive us (those
  // meant to, such as supervisors, start their own session).
  const quit = () => {
    try {
      process.kill(-process.pid, "SIGKILL");
    } catch {
      // Not a group leader (under sudo): just this process.
    }
    process.kill(process.pid, "SIGKILL");
  };
  process.stdin.on("end", quit);
  process.stdin.on("error", quit);

  writeOut(PREAMBLE);
}
