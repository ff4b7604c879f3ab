/**
 * A compressed CPU data block of a version 7 file: a count of chunks, then
 * each chunk's compressed size, uncompressed size (whole pages) and bytes.
 * Yields one decompressed chunk at a time.
 */

import { decompress } from 'fzstd';
import { ByteCursor, type ByteSource } from './byte-source';
import type { TraceDatMeta } from './container';

export type ChunkItem = { readonly data: Uint8Array; readonly offset: number } | { readonly offset: number; readonly message: string };

export type ChunkReader = (source: ByteSource, meta: TraceDatMeta, cpu: { offset: number; size: number }) => Iterable<ChunkItem>;

/** Chunks decompressed with `inflate` (the file's algorithm). */
export function chunkReader(inflate: (algorithm: string, data: Uint8Array, size: number) => Uint8Array): ChunkReader {
  return function* (source, meta, cpu) {
    const little = meta.littleEndian;
    const countBytes = source.read(cpu.offset, 4);
    if (countBytes.length < 4) {
      yield { offset: cpu.offset, message: 'the file ends before this CPU data' };
      return;
    }
    const count = new ByteCursor(countBytes, little).u32();
    let at = cpu.offset + 4;
    for (let k = 0; k < count; k++) {
      const sizes = source.read(at, 8);
      if (sizes.length < 8) {
        yield { offset: at, message: 'the file ends inside a compressed chunk header' };
        return;
      }
      const cursor = new ByteCursor(sizes, little);
      const packed = cursor.u32();
      const unpacked = cursor.u32();
      const bytes = source.read(at + 8, packed);
      if (bytes.length < packed) {
        yield { offset: at, message: 'the file ends inside a compressed chunk' };
        return;
      }
      let data: Uint8Array;
      try {
        data = inflate(meta.compression, bytes, unpacked);
      } catch (error) {
        yield {
          offset: at,
          message: `a chunk does not decompress with ${meta.compression}: ${error instanceof Error ? error.message : String(error)}`,
        };
        return;
      }
      yield { data, offset: at };
      at += 8 + packed;
    }
  };
}

export const zstdChunks: ChunkReader = chunkReader((algorithm, data, size) => {
  if (algorithm !== 'zstd') throw new Error(`compression "${algorithm}" is not supported`);
  return decompress(data, new Uint8Array(size));
});
