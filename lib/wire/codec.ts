/**
 * msgpack encoder and decoder for mitoctl's values, written from the msgpack specification.
 *
 * Beyond JSON it carries `undefined`, `bigint`, `Uint8Array` (as bin), `Date` (the standard
 * timestamp extension), `Map`, `Set` and `Error`; `docs/protocol.md` lists the extension types.
 * Web APIs only, so the remote stage bundles it for Deno and Node alike, and small: it is most of
 * the remote stage's weight.
 *
 * @module
 */

/** Deepest nesting of arrays, objects, maps and sets accepted by encode and decode. */
export const MAX_DEPTH = 100;

/** Options for {@linkcode encode} and {@linkcode decode}. */
export interface CodecOptions {
  /** Nesting limit; default {@linkcode MAX_DEPTH}. */
  maxDepth?: number;
  /**
   * Called for an object the codec cannot encode natively. Return `[type, payload]` with a type in
   * 16..127 to send it as that extension (payload encoded as msgpack), or undefined to fall back
   * to `toJSON()` or a {@linkcode SerializationError}.
   */
  replacer?: (value: object) => [number, unknown] | undefined;
  /** Turns an extension of type 16..127 back into a value, given its decoded payload. */
  reviver?: (type: number, payload: unknown) => unknown;
  /**
   * {@linkcode decode} returns bin values as views of the bytes it was given instead of copies:
   * all of them (`true`), or (`"large"`) those that fill at least half of the buffer underneath,
   * so that a view never keeps alive more than twice its own size. Only for bytes the caller
   * owns and never writes again (a frame from `FrameReader`, see lib/wire/frame.ts): a view
   * shares their memory and keeps the whole buffer alive.
   */
  views?: boolean | "large";
  /**
   * {@linkcode encode} leaves this many bytes free before the value (for a frame header, see
   * `frameInPlace` in lib/wire/frame.ts), so the value never needs copying behind one.
   */
  room?: number;
}

/**
 * A value encoded in place as a bin that holds the value's own msgpack, the way protocol
 * messages carry values: one pass into one buffer, rather than encoding the value and copying
 * its bytes into the message. `options` (replacer, depth) apply to the value; {@linkcode decode}
 * gives back the bin's bytes.
 */
export class Packed {
  readonly value: unknown;
  readonly options: CodecOptions;
  constructor(value: unknown, options: CodecOptions = {}) {
    this.value = value;
    this.options = options;
  }
}

/** A value that cannot be encoded, or bytes that are not valid msgpack. */
export class SerializationError extends TypeError {
  override name = "SerializationError";
  /** Where in the value the problem is, e.g. `[1].handler`. */
  path = "";
  /** Why, without the path. */
  reason: string;
  constructor(reason: string) {
    super(reason);
    this.reason = reason;
  }
}

const EXT_UNDEFINED = 0;
const EXT_BIGINT = 1;
const EXT_MAP = 2;
const EXT_SET = 3;
const EXT_ERROR = 4;
const EXT_INVALID_DATE = 5;
const EXT_UTF16 = 6;
const EXT_TIMESTAMP = -1;

const encoder = new TextEncoder();
// A leading U+FEFF is part of the string, not a byte-order mark to drop.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

// Encoder state, reset by every encode(); the buffer is kept between calls as a cache.
let buf = new Uint8Array(4096);
let view = new DataView(buf.buffer);
let pos = 0;
let opts: CodecOptions = {};
let limit = MAX_DEPTH;

/** Messages up to this size are copied out of the encoder's scratch buffer, which is kept;
 *  larger ones are handed out in a buffer of their own. */
export const LARGE_MESSAGE = 1 << 20;

/**
 * Whether `length` bytes are worth a view of a buffer of `bufferLength` bytes rather than a copy:
 * when they fill at least half of it, so that a view never keeps alive more than twice its size.
 */
export function worthAView(length: number, bufferLength: number): boolean {
  return 2 * length >= bufferLength;
}

/** Room left after a large value for the fields that follow it. */
const TAIL_ROOM = 4096;

/** Large buffers given back with {@linkcode reuse}, smallest first. */
let pool: ArrayBuffer[] = [];

/** Most buffers {@linkcode reuse} holds. */
const POOL_BUFFERS = 4;

/** Most bytes {@linkcode reuse} holds in more than one buffer: 64 MiB. */
const POOL_BYTES = 64 << 20;

/** How long buffers given back for reuse are held after the last one came (ms). */
const SPARE_HOLD = 5_000;

/** Lets the held buffers go once {@linkcode SPARE_HOLD} passed without another; it never keeps
 *  the process (or thread) alive. */
let holding: ReturnType<typeof setTimeout> | undefined;

/**
 * Gives back the buffer under a large message that {@linkcode encode} returned (or any large
 * buffer nothing reads or writes any more), once it was written out: a later large message is
 * encoded into it. Memory that was written once is already paged in; a fresh buffer of a few MiB
 * costs more in zeroing and page faults than the copy into it. Up to 4 buffers are held, 64 MiB
 * at most unless one alone is larger; the smallest go first. They are let go
 * {@linkcode SPARE_HOLD} after the last one came, or by {@linkcode dropSpare}.
 */
export function reuse(buffer: ArrayBuffer): void {
  if (buffer.byteLength <= LARGE_MESSAGE || pool.includes(buffer)) return;
  clearTimeout(holding);
  holding = setTimeout(dropSpare, SPARE_HOLD);
  if (typeof holding === "number") {
    (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno?.unrefTimer(holding);
  } else (holding as { unref?: () => void }).unref?.();
  pool.push(buffer);
  pool.sort((a, b) => a.byteLength - b.byteLength);
  let bytes = pool.reduce((n, b) => n + b.byteLength, 0);
  while (pool.length > POOL_BUFFERS || (pool.length > 1 && bytes > POOL_BYTES)) {
    bytes -= pool.shift()!.byteLength;
  }
}

/** Lets go of the buffers {@linkcode reuse} holds. */
export function dropSpare(): void {
  clearTimeout(holding);
  pool = [];
}

/**
 * Takes out a buffer {@linkcode reuse} holds for `size` bytes, the smallest that they fill at
 * least half of, or undefined. The caller owns it from here on, as {@linkcode encode} does.
 */
export function borrow(size: number): ArrayBuffer | undefined {
  const i = pool.findIndex((b) => b.byteLength >= size);
  if (i < 0 || !worthAView(size, pool[i]!.byteLength)) return undefined;
  return pool.splice(i, 1)[0];
}

function ensure(n: number): void {
  if (pos + n <= buf.length) return;
  // Doubling for small growth; a large value gets the room it needs and a little more, so a
  // message around a big byte array (with a few fields after it) is handed out without growing
  // again or another copy.
  const size = Math.max(buf.length * 2, pos + n + TAIL_ROOM);
  let next: Uint8Array<ArrayBuffer>;
  const held = size > LARGE_MESSAGE ? borrow(size) : undefined;
  if (held) next = new Uint8Array(held);
  else next = new Uint8Array(size);
  next.set(buf.subarray(0, pos));
  buf = next;
  view = new DataView(buf.buffer);
}

function byte(b: number): void {
  ensure(1);
  buf[pos++] = b;
}

function head(b: number, size: number, n: number): void {
  ensure(size + 1);
  buf[pos] = b;
  if (size === 1) view.setUint8(pos + 1, n);
  else if (size === 2) view.setUint16(pos + 1, n);
  else view.setUint32(pos + 1, n);
  pos += size + 1;
}

/** Writes a length-prefixed header from the family `[b8, b16, b32]`, or a fix form. */
function sized(n: number, fix: number, fixMax: number, b8: number, b16: number, b32: number) {
  if (n < fixMax) byte(fix | n);
  else if (n < 0x100 && b8) head(b8, 1, n);
  else if (n < 0x10000) head(b16, 2, n);
  else head(b32, 4, n);
}

function int(v: number): void {
  ensure(9);
  if (v >= 0) {
    if (v < 0x80) buf[pos++] = v;
    else if (v < 0x100) head(0xcc, 1, v);
    else if (v < 0x10000) head(0xcd, 2, v);
    else if (v < 0x100000000) head(0xce, 4, v);
    else {
      buf[pos] = 0xcf;
      view.setUint32(pos + 1, Math.floor(v / 0x100000000));
      view.setUint32(pos + 5, v >>> 0);
      pos += 9;
    }
  } else if (v >= -32) buf[pos++] = v & 0xff;
  else if (v >= -0x80) (buf[pos] = 0xd0, view.setInt8(pos + 1, v), pos += 2);
  else if (v >= -0x8000) (buf[pos] = 0xd1, view.setInt16(pos + 1, v), pos += 3);
  else if (v >= -0x80000000) (buf[pos] = 0xd2, view.setInt32(pos + 1, v), pos += 5);
  else {
    const hi = Math.floor(v / 0x100000000);
    buf[pos] = 0xd3;
    view.setInt32(pos + 1, hi);
    view.setUint32(pos + 5, v - hi * 0x100000000);
    pos += 9;
  }
}

function str(s: string): void {
  // UTF-8 cannot carry a lone surrogate: such strings travel as their UTF-16 code units.
  if (!s.isWellFormed()) return utf16(s);
  const max = s.length * 3;
  const hs = max < 32 ? 1 : max < 0x100 ? 2 : max < 0x10000 ? 3 : 5;
  ensure(hs + max);
  const start = pos + hs;
  let n = 0;
  if (s.length < 48) {
    // Short strings: hand-encode ASCII, fall back to encodeInto on the first other character.
    for (; n < s.length; n++) {
      const c = s.charCodeAt(n);
      if (c >= 0x80) break;
      buf[start + n] = c;
    }
    if (n < s.length) n = encoder.encodeInto(s, buf.subarray(start)).written;
  } else {
    n = encoder.encodeInto(s, buf.subarray(start)).written;
  }
  // Use the smallest header that fits the real byte length, moving the bytes if it is smaller.
  const real = n < 32 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
  if (real !== hs) buf.copyWithin(pos + real, start, start + n);
  sized(n, 0xa0, 32, 0xd9, 0xda, 0xdb);
  pos += n;
}

function utf16(s: string): void {
  ext(EXT_UTF16, () => {
    ensure(s.length * 2);
    for (let i = 0; i < s.length; i++) view.setUint16(pos + i * 2, s.charCodeAt(i), true);
    pos += s.length * 2;
  });
}

/** Writes an ext32 header, runs `body`, then patches in the payload length. */
function ext(type: number, body: () => void): void {
  ensure(6);
  buf[pos] = 0xc9;
  view.setInt8(pos + 5, type);
  const at = pos + 1;
  pos += 6;
  body();
  view.setUint32(at, pos - at - 5);
}

function bytes(b: Uint8Array): void {
  sized(b.length, 0, 0, 0xc4, 0xc5, 0xc6);
  ensure(b.length);
  buf.set(b, pos);
  pos += b.length;
}

/** A bin32 whose length is patched in once `p.value` was written into it with its options. */
function packed(p: Packed): void {
  ensure(5);
  buf[pos] = 0xc6;
  const at = pos + 1;
  pos += 5;
  const outer = opts;
  const outerLimit = limit;
  opts = p.options;
  limit = p.options.maxDepth ?? MAX_DEPTH;
  try {
    write(p.value, 0);
  } finally {
    opts = outer;
    limit = outerLimit;
  }
  view.setUint32(at, pos - at - 4);
}

function isPlain(v: object): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

function fail(reason: string): never {
  throw new SerializationError(reason);
}

function at(e: unknown, step: string): never {
  if (e instanceof SerializationError) e.path = step + e.path;
  throw e;
}

function key(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
}

function errorFields(e: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { name: e.name, message: e.message, stack: e.stack ?? "" };
  if ("cause" in e) out.cause = e.cause;
  if (e instanceof AggregateError) out.errors = e.errors;
  for (const k of Object.keys(e)) {
    if (!(k in out)) out[k] = (e as unknown as Record<string, unknown>)[k];
  }
  return out;
}

function write(v: unknown, depth: number): void {
  switch (typeof v) {
    case "undefined":
      ensure(3);
      buf[pos] = 0xd4;
      buf[pos + 1] = EXT_UNDEFINED;
      buf[pos + 2] = 0;
      pos += 3;
      return;
    case "boolean":
      return byte(v ? 0xc3 : 0xc2);
    case "number":
      if (Number.isSafeInteger(v) && !Object.is(v, -0)) return int(v);
      ensure(9);
      buf[pos] = 0xcb;
      view.setFloat64(pos + 1, v);
      pos += 9;
      return;
    case "string":
      return str(v);
    case "bigint":
      return ext(EXT_BIGINT, () => {
        const s = v.toString();
        ensure(s.length);
        for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
      });
    case "function":
      return fail("functions cannot be sent");
    case "symbol":
      return fail("symbols cannot be sent");
  }
  if (v === null) return byte(0xc0);
  const o = v as object;
  if (depth >= limit) fail(`nesting deeper than ${limit} (is there a cycle?)`);
  const d = depth + 1;
  if (Array.isArray(o)) {
    sized(o.length, 0x90, 16, 0, 0xdc, 0xdd);
    for (let i = 0; i < o.length; i++) {
      try {
        write(o[i], d);
      } catch (e) {
        at(e, `[${i}]`);
      }
    }
  } else if (o instanceof Uint8Array) {
    bytes(o);
  } else if (o instanceof Packed) {
    packed(o);
  } else if (isPlain(o)) {
    const keys = Object.keys(o);
    sized(keys.length, 0x80, 16, 0, 0xde, 0xdf);
    for (const k of keys) {
      str(k);
      try {
        write((o as Record<string, unknown>)[k], d);
      } catch (e) {
        at(e, key(k));
      }
    }
  } else if (o instanceof Date) {
    const ms = o.getTime();
    if (Number.isNaN(ms)) return ext(EXT_INVALID_DATE, () => {});
    const sec = Math.floor(ms / 1000);
    ext(EXT_TIMESTAMP, () => {
      ensure(12);
      view.setUint32(pos, (ms - sec * 1000) * 1e6);
      view.setBigInt64(pos + 4, BigInt(sec));
      pos += 12;
    });
  } else if (o instanceof Map) {
    ext(EXT_MAP, () => {
      sized(o.size * 2, 0x90, 16, 0, 0xdc, 0xdd);
      let i = 0;
      for (const [k, val] of o) {
        try {
          write(k, d);
          write(val, d);
        } catch (e) {
          at(e, `.get(${typeof k === "string" ? JSON.stringify(k) : `<key ${i}>`})`);
        }
        i++;
      }
    });
  } else if (o instanceof Set) {
    ext(EXT_SET, () => write([...o], depth));
  } else if (o instanceof Error) {
    ext(EXT_ERROR, () => write(errorFields(o), depth));
  } else {
    const custom = opts.replacer?.(o);
    if (custom) return ext(custom[0], () => write(custom[1], d));
    if (typeof (o as { toJSON?: unknown }).toJSON === "function") {
      return write((o as { toJSON(): unknown }).toJSON(), depth);
    }
    const name = o.constructor?.name;
    fail(
      o instanceof Promise
        ? "a Promise cannot be sent (await it first)"
        : ArrayBuffer.isView(o) || o instanceof ArrayBuffer
        ? `${name} cannot be sent (use a Uint8Array)`
        : `${
          name ? `a ${name}` : "an object with a custom prototype"
        } cannot be sent (only plain data)`,
    );
  }
}

/** Encodes `value` as msgpack. Throws a {@linkcode SerializationError} naming the bad path. */
export function encode(value: unknown, options: CodecOptions = {}): Uint8Array {
  opts = options;
  limit = options.maxDepth ?? MAX_DEPTH;
  pos = 0;
  ensure(options.room ?? 0);
  pos = options.room ?? 0;
  try {
    write(value, 0);
  } catch (e) {
    if (e instanceof SerializationError) e.message = `Cannot serialise value${e.path}: ${e.reason}`;
    throw e;
  } finally {
    opts = {};
  }
  if (buf.length <= LARGE_MESSAGE) return buf.slice(0, pos);
  // A large scratch buffer is not kept after one large message: it goes out as the result,
  // without a copy when the message fills at least half of it (a fresh copy of many MiB costs
  // page faults), so the view never holds more than twice its own size.
  let out: Uint8Array;
  if (worthAView(pos, buf.length)) out = buf.subarray(0, pos);
  else (out = buf.slice(0, pos), reuse(buf.buffer));
  buf = new Uint8Array(4096);
  view = new DataView(buf.buffer);
  return out;
}

const ERRORS: Record<string, ErrorConstructor> = {
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

function reviveError(f: Record<string, unknown>): Error {
  for (const k of ["name", "message"]) {
    // String() of an object would run code the sender chose, or throw.
    if (f[k] !== undefined && typeof f[k] !== "string") {
      throw new SerializationError(`the error's "${k}" is not a string`);
    }
  }
  const message = (f.message ?? "") as string;
  const name = (f.name ?? "Error") as string;
  const e = name === "AggregateError"
    ? new AggregateError(Array.isArray(f.errors) ? f.errors : [], message)
    : new (ERRORS[name] ?? Error)(message);
  if (e.name !== name) e.name = name;
  e.stack = typeof f.stack === "string" ? f.stack : `${name}: ${message}`;
  for (const [k, v] of Object.entries(f)) {
    if (k === "cause") {
      Object.defineProperty(e, "cause", { value: v, writable: true, configurable: true });
    } else if (!(k in e) || k === "code") (e as unknown as Record<string, unknown>)[k] = v;
  }
  return e;
}

class Reader {
  p = 0;
  readonly v: DataView;
  constructor(readonly b: Uint8Array, readonly o: CodecOptions, readonly max: number) {
    this.v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  need(n: number): number {
    const at = this.p;
    if (at + n > this.b.length) {
      throw new SerializationError(`Truncated msgpack: ${n} bytes needed at offset ${at}`);
    }
    this.p += n;
    return at;
  }

  u(size: number): number {
    const at = this.need(size);
    return size === 1 ? this.b[at]! : size === 2 ? this.v.getUint16(at) : this.v.getUint32(at);
  }

  text(n: number): string {
    const at = this.need(n);
    if (n < 48) {
      let s = "";
      for (let i = at; i < at + n; i++) {
        const c = this.b[i]!;
        if (c >= 0x80) return decoder.decode(this.b.subarray(at, at + n));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return decoder.decode(this.b.subarray(at, at + n));
  }

  array(n: number, depth: number): unknown[] {
    if (n > this.b.length - this.p) {
      throw new SerializationError(`Truncated msgpack: array of ${n}`);
    }
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.read(depth);
    return out;
  }

  map(n: number, depth: number): Record<string, unknown> {
    if (n > this.b.length - this.p) throw new SerializationError(`Truncated msgpack: map of ${n}`);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const k = String(this.read(depth));
      const val = this.read(depth);
      if (k === "__proto__") {
        Object.defineProperty(out, k, {
          value: val,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else out[k] = val;
    }
    return out;
  }

  ext(n: number, depth: number): unknown {
    const type = this.v.getInt8(this.need(1));
    const end = this.need(n) + n;
    this.p = end - n;
    const payload = () => {
      const v = this.read(depth);
      if (this.p !== end) throw new SerializationError(`Malformed extension ${type}`);
      return v;
    };
    switch (type) {
      case EXT_UNDEFINED:
        this.p = end;
        return undefined;
      case EXT_BIGINT: {
        const s = this.text(n);
        if (!/^-?\d+$/.test(s)) throw new SerializationError(`Malformed bigint "${s}"`);
        return BigInt(s);
      }
      case EXT_MAP: {
        const kv = payload() as unknown[];
        if (!Array.isArray(kv)) throw new SerializationError("Malformed Map");
        const m = new Map();
        for (let i = 0; i + 1 < kv.length; i += 2) m.set(kv[i], kv[i + 1]);
        return m;
      }
      case EXT_SET: {
        const items = payload();
        if (!Array.isArray(items)) throw new SerializationError("Malformed Set");
        return new Set(items);
      }
      case EXT_ERROR: {
        const f = payload();
        if (f === null || typeof f !== "object") throw new SerializationError("Malformed Error");
        return reviveError(f as Record<string, unknown>);
      }
      case EXT_UTF16: {
        if (n % 2) throw new SerializationError(`Malformed UTF-16 string of ${n} bytes`);
        const at = end - n;
        this.p = end;
        let s = "";
        for (let i = 0; i < n; i += 2) s += String.fromCharCode(this.v.getUint16(at + i, true));
        return s;
      }
      case EXT_INVALID_DATE:
        this.p = end;
        return new Date(NaN);
      case EXT_TIMESTAMP: {
        const at = end - n;
        this.p = end;
        if (n === 4) return new Date(this.v.getUint32(at) * 1000);
        if (n === 8) {
          const hi = this.v.getUint32(at);
          const sec = (hi & 3) * 0x100000000 + this.v.getUint32(at + 4);
          return new Date(sec * 1000 + Math.floor((hi >>> 2) / 1e6));
        }
        if (n === 12) {
          const sec = Number(this.v.getBigInt64(at + 4));
          return new Date(sec * 1000 + Math.floor(this.v.getUint32(at) / 1e6));
        }
        throw new SerializationError(`Malformed timestamp of ${n} bytes`);
      }
    }
    if (type >= 16 && this.o.reviver) return this.o.reviver(type, payload());
    throw new SerializationError(`Unknown msgpack extension type ${type}`);
  }

  read(depth: number): unknown {
    const t = this.b[this.need(1)]!;
    if (t < 0x80) return t;
    if (t >= 0xe0) return t - 0x100;
    if (
      t <= 0x8f || (t >= 0xde && t <= 0xdf) || (t >= 0x90 && t <= 0x9f) || t === 0xdc || t === 0xdd
    ) {
      if (depth >= this.max) throw new SerializationError(`Nesting deeper than ${this.max}`);
      if (t <= 0x8f) return this.map(t & 0xf, depth + 1);
      if (t <= 0x9f) return this.array(t & 0xf, depth + 1);
      if (t === 0xdc) return this.array(this.u(2), depth + 1);
      if (t === 0xdd) return this.array(this.u(4), depth + 1);
      return this.map(this.u(t === 0xde ? 2 : 4), depth + 1);
    }
    if (t <= 0xbf) return this.text(t & 0x1f);
    const v = this.v;
    switch (t) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
      case 0xc5:
      case 0xc6: {
        const n = this.u(1 << (t - 0xc4));
        const at = this.need(n);
        const view = this.o.views === true ||
          (this.o.views === "large" && worthAView(n, this.b.buffer.byteLength));
        return view ? this.b.subarray(at, at + n) : this.b.slice(at, at + n);
      }
      case 0xc7:
      case 0xc8:
      case 0xc9:
        return this.ext(this.u(1 << (t - 0xc7)), depth);
      case 0xca:
        return v.getFloat32(this.need(4));
      case 0xcb:
        return v.getFloat64(this.need(8));
      case 0xcc:
        return this.u(1);
      case 0xcd:
        return this.u(2);
      case 0xce:
        return this.u(4);
      case 0xcf: {
        const at = this.need(8);
        return v.getUint32(at) * 0x100000000 + v.getUint32(at + 4);
      }
      case 0xd0:
        return v.getInt8(this.need(1));
      case 0xd1:
        return v.getInt16(this.need(2));
      case 0xd2:
        return v.getInt32(this.need(4));
      case 0xd3: {
        const at = this.need(8);
        return v.getInt32(at) * 0x100000000 + v.getUint32(at + 4);
      }
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        return this.ext(1 << (t - 0xd4), depth);
      case 0xd9:
      case 0xda:
      case 0xdb:
        return this.text(this.u(1 << (t - 0xd9)));
    }
    throw new SerializationError(
      `Invalid msgpack type byte 0x${t.toString(16)} at offset ${this.p - 1}`,
    );
  }
}

/** Decodes one msgpack value that fills `bytes` exactly. */
export function decode(bytes: Uint8Array, options: CodecOptions = {}): unknown {
  const r = new Reader(bytes, options, options.maxDepth ?? MAX_DEPTH);
  const value = r.read(0);
  if (r.p !== bytes.length) {
    throw new SerializationError(`Trailing bytes after msgpack value: ${bytes.length - r.p}`);
  }
  return value;
}
