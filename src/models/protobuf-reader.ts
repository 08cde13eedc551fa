// A minimal protobuf wire-format reader, just enough to read an ONNX file's header without
// loading its weights. Two layers:
//   - `ByteSource`: random access to bytes, in memory or in a file (read through a small window,
//     so skipping a 178 MB initializer costs one seek, not a read);
//   - `readFields` / `walkFields`: iterate the fields of one message, handing out values as
//     subarrays (never copies).
// Every malformed byte sequence throws MODEL_FORMAT: a file that is not protobuf is not ONNX.
import { open, type FileHandle } from 'node:fs/promises';
import { MaskserveError } from '../errors.js';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_FIXED32 = 5;

/** One field of a message. `value` is set for varints, `bytes` for the other wire types. */
export interface ProtoField {
  readonly field: number;
  readonly wire: number;
  readonly value: number;
  readonly bytes: Uint8Array;
}

export function formatError(detail: string): MaskserveError {
  return new MaskserveError('MODEL_FORMAT', `Not a valid ONNX model: ${detail}`);
}

const EMPTY = new Uint8Array(0);

/**
 * Decodes a varint at `offset`. Returns [value, bytesUsed]. Values beyond 2^53 lose precision
 * (never the case for lengths and tags); 10-byte varints are negative int64 and come back negative.
 */
export function readVarint(bytes: Uint8Array, offset: number, end = bytes.length): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i += 1) {
    const at = offset + i;
    if (at >= end) throw formatError(`truncated varint at byte ${offset}`);
    const byte = bytes[at];
    if (i === 9) {
      // Tenth byte: only negative int64 values get here; redo the sum in 64-bit two's complement.
      return [Number(BigInt.asIntN(64, varintBigInt(bytes, offset))), 10];
    }
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return [value, i + 1];
    scale *= 128;
  }
  throw formatError(`varint longer than 10 bytes at byte ${offset}`);
}

function varintBigInt(bytes: Uint8Array, offset: number): bigint {
  let value = 0n;
  for (let i = 0; i < 10; i += 1) value |= BigInt(bytes[offset + i] & 0x7f) << BigInt(7 * i);
  return value;
}

/** Iterates the fields of a message held in memory. */
export function* readFields(bytes: Uint8Array): Generator<ProtoField> {
  let offset = 0;
  while (offset < bytes.length) {
    const header = readFieldHeader(bytes, offset, bytes.length);
    const start = offset + header.headerLength;
    const end = start + header.valueLength;
    if (end > bytes.length) throw formatError(`field ${header.field} runs past the end of its message`);
    yield {
      field: header.field,
      wire: header.wire,
      value: header.wire === WIRE_VARINT ? header.varint : 0,
      // Length-delimited payloads, and the 4 or 8 bytes of fixed32/fixed64 fields.
      bytes: header.wire === WIRE_VARINT ? EMPTY : bytes.subarray(start, end),
    };
    offset = end;
  }
}

interface FieldHeader {
  readonly field: number;
  readonly wire: number;
  /** Bytes taken by the tag (and the length, for length-delimited fields; the varint itself for varints). */
  readonly headerLength: number;
  /** Bytes of payload after the header. */
  readonly valueLength: number;
  readonly varint: number;
}

/** Reads a tag and whatever tells how long the field is. `bytes` must hold at least the header. */
function readFieldHeader(bytes: Uint8Array, offset: number, end: number): FieldHeader {
  const [tag, tagLength] = readVarint(bytes, offset, end);
  const field = Math.floor(tag / 8);
  const wire = tag & 7;
  if (field === 0) throw formatError(`field number 0 at byte ${offset}`);
  switch (wire) {
    case WIRE_VARINT: {
      const [varint, length] = readVarint(bytes, offset + tagLength, end);
      return { field, wire, headerLength: tagLength + length, valueLength: 0, varint };
    }
    case WIRE_FIXED64:
      return { field, wire, headerLength: tagLength, valueLength: 8, varint: 0 };
    case WIRE_FIXED32:
      return { field, wire, headerLength: tagLength, valueLength: 4, varint: 0 };
    case WIRE_LENGTH_DELIMITED: {
      const [length, lengthBytes] = readVarint(bytes, offset + tagLength, end);
      if (length < 0) throw formatError(`negative length at byte ${offset}`);
      return { field, wire, headerLength: tagLength + lengthBytes, valueLength: length, varint: 0 };
    }
    default:
      throw formatError(`unsupported wire type ${wire} at byte ${offset}`);
  }
}

/** Random access to the bytes of a model. */
export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes from `position` (the caller keeps within `size`). May be a view into a cache. */
  read(position: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: async (position, length) => bytes.subarray(position, position + length),
    close: async () => {},
  };
}

/** 64 KiB covers a run of small fields (ONNX nodes, value infos) with one read. */
const WINDOW_BYTES = 64 * 1024;

export async function fileSource(path: string): Promise<ByteSource> {
  const handle: FileHandle = await open(path, 'r');
  const size = (await handle.stat()).size;
  let windowStart = 0;
  let window = EMPTY;
  return {
    size,
    async read(position, length) {
      if (position >= windowStart && position + length <= windowStart + window.length) {
        return window.subarray(position - windowStart, position - windowStart + length);
      }
      const want = Math.min(Math.max(length, WINDOW_BYTES), size - position);
      const buffer = new Uint8Array(want);
      const { bytesRead } = await handle.read(buffer, 0, want, position);
      if (bytesRead < length) throw formatError(`file ended early at byte ${position + bytesRead}`);
      if (want <= WINDOW_BYTES) {
        windowStart = position;
        window = buffer.subarray(0, bytesRead);
      }
      return buffer.subarray(0, length);
    },
    close: () => handle.close(),
  };
}

/** A field found by walkFields; `load()` reads its payload (only call it for small fields). */
export interface WalkedField {
  readonly field: number;
  readonly wire: number;
  /** Absolute position of the payload in the source, and its length. */
  readonly start: number;
  readonly length: number;
  /** The value of a varint field (0 for other wire types). */
  readonly varint: number;
  load(): Promise<Uint8Array>;
}

/**
 * Visits the fields of the message in [start, end) of a source, reading only the headers;
 * payloads are skipped unless the visitor loads them.
 */
export async function walkFields(
  source: ByteSource,
  start: number,
  end: number,
  visit: (field: WalkedField) => Promise<void> | void,
): Promise<void> {
  let position = start;
  while (position < end) {
    // A header is at most 20 bytes (two 10-byte varints); read what is left if less.
    const peek = await source.read(position, Math.min(20, end - position));
    const header = readFieldHeader(peek, 0, peek.length);
    const payloadStart = position + header.headerLength;
    const payloadEnd = payloadStart + header.valueLength;
    if (payloadEnd > end) throw formatError(`field ${header.field} runs past the end of its message`);
    const length = header.valueLength;
    await visit({
      field: header.field,
      wire: header.wire,
      start: payloadStart,
      length,
      varint: header.wire === WIRE_VARINT ? header.varint : 0,
      load: () => source.read(payloadStart, length),
    });
    position = payloadEnd;
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export function decodeString(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw formatError('a string field is not valid UTF-8');
  }
}
