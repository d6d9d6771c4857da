/**
 * Channels: a two-way line between the master and remote code for long-lived exchanges. Make one,
 * pass it as a call argument; remote code gets the other end, with the same `send()`, `close()`
 * and async iteration.
 *
 * @module
 */

import { ConnectionError, MitoctlError } from "../errors.ts";

/** What a channel needs from the router once it is bound to a context. */
export interface ChannelLink {
  /** Sends a value (encoded by the link), or the end when `end` is set. */
  send(value: unknown, end?: boolean): void;
}

/**
 * One end of a channel, on the master. Values queue until taken; neither end holds the other
 * back, so keep exchanges request-sized or pace them (a stream is the tool for bulk data).
 *
 * @example
 * Not run by the doc tests: it needs a remote host; tests/readme_test.ts type-checks it.
 * ```ts ignore
 * const chat = new Channel<string, string>();
 * const done = ctx.call(new URL("./echo.ts", import.meta.url), "serve", chat);
 * chat.send("ping");
 * for await (const reply of chat) { console.log(reply); break; }
 * chat.close();
 * await done;
 * ```
 */
export class Channel<In = unknown, Out = unknown> implements AsyncIterable<In> {
  #link: ChannelLink | undefined;
  #owner: number | undefined;
  readonly #outbox: { value?: Out; end?: boolean }[] = [];
  readonly #queue: In[] = [];
  #ended = false;
  #closed = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  /** Sends `value` to the remote end (held until the channel is passed to a call). */
  send(value: Out): void {
    if (this.#closed) throw new TypeError("Cannot send on a closed channel");
    if (this.#error) throw this.#error;
    if (this.#link && this.#outbox.length === 0) this.#link.send(value);
    else this.#outbox.push({ value });
  }

  /** Tells the remote end that no more values come. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#link && this.#outbox.length === 0) this.#link.send(undefined, true);
    else this.#outbox.push({ end: true });
  }

  /** Values from the remote end until it closes; throws if its context is lost. */
  async *[Symbol.asyncIterator](): AsyncGenerator<In> {
    for (;;) {
      if (this.#queue.length) yield this.#queue.shift()!;
      else if (this.#error) throw this.#error;
      else if (this.#ended) return;
      else await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }

  /** @internal Binds the channel to the context `owner`, the first it is passed to. */
  bind(owner: number, link: ChannelLink): void {
    if (this.#owner !== undefined && this.#owner !== owner) {
      throw new TypeError(
        "A channel connects the master and one context: it was passed to another",
      );
    }
    if (this.#link) return;
    this.#owner = owner;
    this.#link = link;
    // Not now: binding happens while the call's arguments are being encoded.
    queueMicrotask(() => {
      for (const m of this.#outbox.splice(0)) link.send(m.value, m.end);
    });
  }

  /** @internal A value from the remote end, or its end. */
  deliver(value: unknown, end: boolean): void {
    if (end) this.#ended = true;
    else this.#queue.push(value as In);
    this.#wake?.();
  }

  /** @internal The call that carried the channel ended: its remote end is gone. */
  remoteEnded(error?: Error): void {
    if (this.#ended || this.#error) return;
    if (error) this.lost(error);
    else this.deliver(undefined, true);
  }

  /** @internal The context went away. */
  lost(error: Error): void {
    this.#error ??= error instanceof MitoctlError ? error : new ConnectionError(error.message);
    this.#wake?.();
  }
}
