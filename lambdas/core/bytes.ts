/** Small helpers for byte arrays and sizes, shared by the archive readers, inspection and the upload form parser. */

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** A size for a message: `8 GiB` or `8 MiB` when it is a whole number of them, else `123 bytes`. */
export function formatBytes(bytes: number): string {
  if (bytes >= GiB && bytes % GiB === 0) return `${bytes / GiB} GiB`;
  return bytes >= MiB && bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${bytes} bytes`;
}

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

/** The bytes as a stream of views of at most `size` bytes each. */
export async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += size) yield bytes.subarray(offset, offset + size);
}
