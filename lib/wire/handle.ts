/**
 * What a context or channel handle becomes on the master when a remote sends one the master never
 * issued to it: an inert record of what was claimed, never a live object. A remote can thus make
 * up ids, but never get the master's own `Context` for a host it was not handed.
 *
 * @module
 */

/** A handle a remote sent that the master never issued to it. It does nothing. */
export class UnissuedHandle {
  /** What the handle claims to be. */
  readonly kind: "context" | "channel";
  /** The id it claims. */
  readonly id: number;
  /** The name it claims (contexts only), as the remote sent it. */
  readonly name: string | undefined;

  constructor(kind: "context" | "channel", id: number, name?: string) {
    this.kind = kind;
    this.id = id;
    this.name = name;
  }

  /** `[unissued context 7 "web1"]`. */
  toString(): string {
    const name = this.name === undefined ? "" : ` ${JSON.stringify(this.name)}`;
    return `[unissued ${this.kind} ${this.id}${name}]`;
  }
}
