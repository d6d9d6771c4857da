/**
 * Lines of text from a byte stream, as a process prints them: the bench reads its Python peer's
 * JSON replies, and the pid a remote shell prints before it becomes `cat`, this way.
 *
 * @module
 */

/** Yields each `\n`-terminated line of `stream` without its terminator; then a last unterminated
 *  piece, if any. */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let pending = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    pending += text;
    let end = pending.indexOf("\n");
    while (end !== -1) {
      yield pending.slice(0, end);
      pending = pending.slice(end + 1);
      end = pending.indexOf("\n");
    }
  }
  if (pending !== "") yield pending;
}
