/**
 * The embedded remote stage as bytes, ready to write after stage 1.
 *
 * @module
 */

import { decodeBase64 } from "../wire/base64.ts";
import { PARENT_BASE64, STAGE2_BASE64 } from "./stage2_embedded.ts";

let cached: Uint8Array | undefined;

/** Brotli-compressed stage 2, as stage 1 expects it on stdin. */
export function stage2Bytes(): Uint8Array {
  return cached ??= decodeBase64(STAGE2_BASE64);
}

let parentCached: Uint8Array | undefined;

/** Brotli-compressed code that lets a remote stage start contexts of its own. */
export function parentCodeBytes(): Uint8Array {
  return parentCached ??= decodeBase64(PARENT_BASE64);
}
