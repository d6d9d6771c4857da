/**
 * The remote stage's router thread. It never runs user code: it reads frames from stdin, hands
 * calls to the call worker, writes replies to stdout, and exits as soon as stdin closes (the master
 * is gone), whatever the worker is doing.
 *
 * @module
 */

import { encode } from "../lib/wire/codec.ts";
import { type FrameSink, RouterCore } from "../lib/core/router.ts";
import { type Frame, frameInPlace, FrameReader, HEADER_SIZE } from "../lib/wire/frame.ts";
import { stageStdio } from "../lib/transport/stage_stdio.ts";
import { MASTER_ID, type Message, type ModuleEntry, PREAMBLE } from "../lib/wire/protocol.ts";
import { type CallWorker, startCallWorker } from "./call_host.ts";
import { factFor } from "./facts.ts";
import { post, received, reusable } from "./transfer.ts";
import { os, runtimeName, runtimeVersion, userName } from "./runtime.ts";
import type {
  WorkerCall,
  WorkerChan,
  WorkerDone,
  WorkerFin,
  WorkerItem,
  WorkerOutCall,
  WorkerOutput,
} from "./worker_messages.ts";

/** What a call worker posts to the router. */
type WorkerMessage =
  | WorkerDone
  | WorkerFin
  | WorkerOutput
  | WorkerItem
  | WorkerOutCall
  | WorkerChan;

/** Where a call came from, to address its reply: the caller and the caller's id for it. */
interface InFlight {
  src: number;
  id: number;
  call: WorkerCall;
}

type Parent = import("./parent.ts").Parent;

/** Runs the router loop of a remote stage whose source is `self`. */
export function runRemoteRouter(self: string): void {
  const reader = new FrameReader();
  // The master is gone, or wants us gone (bye): stop at once, even if user code is still
  // running in the worker. process.exit() would wait for a call worker blocked in native code
  // (execSync) to reach a safe point, which may be never. The whole process group goes, so
  // processes user code started do not outlive us (those meant to, such as supervisors, start
  // their own session).
  const quit = () => {
    try {
      process.kill(-process.pid, "SIGKILL");
    } catch {
      // Not a group leader (under sudo): just this process.
    }
    process.kill(process.pid, "SIGKILL");
  };
  const up = stageStdio({
    receive(chunk) {
      try {
        reader.push(chunk, (f) => arrive(up, f));
      } catch (e) {
        process.stderr.write(`mitoctl remote: ${(e as Error).message}; exiting\n`);
        process.exit(2);
      }
    },
    closed: quit,
  });

  // Routes, source checks, trust and grants; its id is set by the first frame (init).
  const core = new RouterCore<FrameSink>(-1, up);
  // Set by the master: larger messages fail where they are made, never on the way.
  let maxFrame: number | undefined;
  let parentId = MASTER_ID;
  // Loaded with the first open: starts the contexts behind this one.
  let parent: Parent | undefined;
  // What arrived while that code loads, in order.
  let held: (() => void)[] | undefined;
  // Modules to fetch from the parent rather than the master (they were stashed there for us).
  const fromParent = new Set<string>();
  // Calls in the worker by worker id; callers pick their own ids, so they may clash.
  const inFlight = new Map<number, InFlight>();
  const byCaller = new Map<string, number>();
  let nextWid = 1;
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
  // Started once the first frames are handled (see "init"), or by the first call that needs it.
  let worker: CallWorker | undefined;
  const callWorker = (): CallWorker => worker ??= startWorker();

  /** A message from this context to `dst`, as a frame. */
  /** Fills in the header before `bytes`, encoded after room for it (by the worker too). */
  const address = (dst: number, bytes: Uint8Array): Uint8Array =>
    frameInPlace(bytes, dst, core.id < 0 ? 0 : core.id, maxFrame);
  const frame = (dst: number, msg: Message): Uint8Array =>
    address(dst, encode(msg, { room: HEADER_SIZE }));
  const send = (dst: number, msg: Message): void => {
    (core.linkOf(dst) ?? up).send(frame(dst, msg));
  };
  /**
   * Sends a message encoded after room for the frame header (by the worker too), uncopied.
   * `written` gets its buffer back once the master's link took the bytes.
   */
  const sendEncoded = (dst: number, bytes: Uint8Array, written?: (b: ArrayBuffer) => void) => {
    const framed = address(dst, bytes);
    const link = core.linkOf(dst) ?? up;
    if (written && link === up) up.send(framed, () => written(framed.buffer as ArrayBuffer));
    else link.send(framed);
  };

  function startWorker(): CallWorker {
    const w = startCallWorker(self, fetchModule, up.lock);
    w.on("message", (raw: WorkerMessage) => {
      const m = received(raw);
      settle();
      // The worker wrote this call's reply itself (and had no room left to say so otherwise).
      if (m.t === "fin") return void finish(m.id);
      fromWorker(w, m);
      // Whatever it led to was written: the worker's own replies may go out after it.
      w.counts?.handled();
    });
    w.on("error", (e: Error) => restart(w, `the call worker failed: ${e.message}`));
    w.on("exit", (code: number) => restart(w, `the call worker exited with code ${code}`, true));
    return w;
  }

  /** A message from worker `w` for the router. */
  function fromWorker(w: CallWorker, m: Exclude<WorkerMessage, WorkerFin>): void {
    // User output travels as log lines (the master splits them), from any depth.
    if (m.t === "out") {
      return send(MASTER_ID, { t: "log", level: "info", msg: m.text, stream: m.stream });
    }
    if (m.t === "chan") return send(MASTER_ID, m);
    if (m.t === "ocall") {
      const id = nextOut++;
      try {
        send(m.dst, { t: "call", id, mod: m.mod, fn: m.fn, args: m.args });
        outgoing.set(id, { wid: m.id, dst: m.dst });
      } catch (e) {
        // Over the frame limit: the call fails where it was made.
        post(callWorker(), { t: "odone", id: m.id, ok: false, data: encode(e) });
      }
      return;
    }
    const entry = m.t === "item" ? inFlight.get(m.id) : finish(m.id);
    if (!entry) return;
    const id = entry.id;
    try {
      // A large reply's buffer goes back to the worker, to encode the next one into.
      sendEncoded(entry.src, m.frame, reusable(m) ? w.reuse : undefined);
    } catch (e) {
      // Over the frame limit: this call fails, the link lives on.
      if (m.t === "item" && finish(m.id)) post(callWorker(), { t: "stop", id: m.id });
      send(entry.src, { t: "err", id, error: encode(e) });
    }
  }

  /** Forgets the calls whose replies the worker wrote itself. */
  function settle(): void {
    worker?.counts?.ended(finish);
  }

  /** Fails every call the worker held and starts a fresh one. */
  function restart(old: CallWorker, why: string, exited = false): void {
    if (old !== worker) return;
    // No worker is stopped holding the frames' lock: it is ours until the old one has exited.
    const release = exited ? undefined : up.lock?.hold();
    if (release) old.on("exit", release);
    settle();
    worker = startWorker();
    void old.terminate();
    for (const { src, id } of inFlight.values()) {
      send(src, { t: "err", id, error: encode(new Error(`Call stopped: ${why}`)) });
    }
    inFlight.clear();
    byCaller.clear();
    outgoing.clear();
  }

  /** Runs `fn` with the code that starts contexts, once it was sent. */
  function withParent(fn: (p: Parent) => void): void {
    if (parent) fn(parent);
    else send(MASTER_ID, { t: "log", level: "error", msg: "cannot start contexts: no code sent" });
  }

  /** Loads the code that starts contexts; frames wait meanwhile, so none overtakes another. */
  function loadParent(code: Uint8Array): void {
    held = [];
    const js = process.getBuiltinModule("node:zlib").brotliDecompressSync(code);
    import(`data:text/javascript;base64,${js.toString("base64")}`).then(
      (m: typeof import("./parent.ts")) => {
        parent = new m.Parent({
          core,
          store,
          send,
          frame,
          arrive,
          self,
          ...(maxFrame === undefined ? {} : { maxFrame }),
        });
      },
      (e: Error) => {
        send(MASTER_ID, { t: "log", level: "error", msg: `cannot start contexts: ${e.message}` });
      },
    ).finally(() => {
      const waited = held!;
      held = undefined;
      // Whatever these pass on is handled now, after them: nothing more is held.
      for (const next of waited) next();
    });
  }

  /** A frame from `link` (the master's side, or a context this one started). */
  function arrive(link: FrameSink, frame: Frame): void {
    if (held) return void held.push(() => arrive(link, frame));
    settle();
    const a = core.receive(link, frame);
    if (a.t === "forged") {
      send(MASTER_ID, {
        t: "log",
        level: "warn",
        msg: `dropped a frame claiming to come from context ${a.src}: it arrived from another link`,
      });
    } else if (a.t === "refused") {
      send(a.src, { t: "err", id: (a.msg as { id: number }).id, error: encode(new Error(a.why)) });
    } else if (a.t === "local") handle(a.src, a.msg, a.below);
  }

  /** A message for this context that the core's trust rules let in. */
  function handle(src: number, msg: Message, below: boolean): void {
    // Answers to calls user code made into other contexts.
    const out = outgoing.get((msg as { id: number }).id);
    if ((msg.t === "ok" || msg.t === "err") && out?.dst === src) {
      outgoing.delete(msg.id);
      const ok = msg.t === "ok";
      const data = msg.t === "ok" ? msg.value : msg.error;
      post(callWorker(), { t: "odone", id: out.wid, ok, data });
      return;
    }
    // A context below may only ask for what was stashed here for it.
    if (below) return msg.t === "mreq" ? withParent((p) => p.serve(src, msg)) : undefined;
    switch (msg.t) {
      case "init":
        parentId = msg.parent;
        // The parent sends within it too.
        if ((maxFrame = msg.maxFrame)) reader.maxSize = maxFrame;
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
        // The worker's start takes a core for tens of milliseconds: after what came with init.
        setTimeout(callWorker, 0);
        return;
      case "open":
        if (msg.code && !parent && !held) {
          loadParent(msg.code);
          return void held!.push(() => withParent((p) => p.open(msg)));
        }
        return withParent((p) => p.open(msg));
      case "route":
        return void core.follow(msg.id, msg.via);
      case "close":
        return withParent((p) => p.close(msg.id));
      case "stash":
        return withParent((p) => p.stash.keep(msg));
      case "chan":
        if (src === MASTER_ID) post(callWorker(), msg);
        return;
      case "call": {
        const fact = factFor(msg);
        if (fact) {
          try {
            send(src, { t: "ok", id: msg.id, value: encode(fact()) });
          } catch (e) {
            send(src, { t: "err", id: msg.id, error: encode(e) });
          }
          return;
        }
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
        // The worker writes the reply itself when it goes the way of this process's own frames.
        if (callWorker().counts && !core.linkOf(src)) {
          call.to = [src, Math.max(core.id, 0), maxFrame];
        }
        // Only ancestors bring modules: a granted caller may not replace what the master sent,
        // nor make this context ask the master for modules on its behalf.
        if (!core.ancestors.has(src)) {
          delete msg.modules, delete msg.need;
          if (msg.mod.startsWith("file:") && !store.has(msg.mod)) {
            const error = new Error(`Context ${core.id} does not hold "${msg.mod}"`);
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
          post(callWorker(), call);
          return;
        }
        fetchNeeded(msg.need).then((modules) => {
          if (!inFlight.has(wid)) return;
          call.modules = [...call.modules ?? [], ...modules];
          post(callWorker(), call);
        }, (e: Error) => {
          if (finish(wid)) send(src, { t: "err", id: msg.id, error: encode(e) });
        });
        return;
      }
      case "cancel": {
        // With the frames' lock, a reply the worker is writing is whole and its call told ended:
        // a call whose reply is out is not cancelled, and its worker lives on.
        const release = up.lock?.hold();
        try {
          settle();
          const wid = byCaller.get(`${src}:${msg.id}`);
          if (wid === undefined) return;
          finish(wid);
          send(src, { t: "err", id: msg.id, error: encode(new Error("Call cancelled")) });
          restart(callWorker(), `call ${msg.id} on the same context was cancelled`);
        } finally {
          release?.();
        }
        return;
      }
      case "credit":
      case "stop": {
        const id = byCaller.get(`${src}:${msg.id}`);
        if (id !== undefined) post(callWorker(), { ...msg, id });
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

  up.send(new TextEncoder().encode(PREAMBLE));
}
