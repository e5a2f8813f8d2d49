/** Small helpers for byte arrays, shared by the archive readers and the upload form parser. */

/** The chunks laid end to end in one new array of `length` bytes (by default, their total). */
export function concatBytes(chunks: readonly Uint8Array[], length = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0)): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
