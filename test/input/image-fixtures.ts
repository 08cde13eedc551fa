// Test images generated on the fly with sharp (no binary fixtures), plus a hand-built PNG whose
// header lies about its size, for the pixel-cap test.
import { deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';

export interface Pixels {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
}

/** A small RGB image where every pixel differs, so any flip, rotation or channel swap shows. */
export function patternRgb(width: number, height: number): Pixels {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 40 + 10) % 256;
      data[i + 1] = (y * 60 + 20) % 256;
      data[i + 2] = (x * 13 + y * 29 + 100) % 256;
    }
  }
  return { data, width, height, channels: 3 };
}

export function solid(width: number, height: number, rgba: readonly number[]): Pixels {
  const channels = rgba.length as 3 | 4;
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = rgba[i % channels];
  return { data, width, height, channels };
}

export function toSharp(pixels: Pixels): Sharp {
  const { width, height, channels } = pixels;
  return sharp(pixels.data, { raw: { width, height, channels } });
}

/** Animated GIF whose frames are solid colours, first frame first. */
export async function animatedGif(width: number, height: number, colours: readonly number[][]): Promise<Buffer> {
  const frames = await Promise.all(colours.map((colour) => toSharp(solid(width, height, colour)).png().toBuffer()));
  return sharp(frames, { join: { animated: true } }).gif().toBuffer();
}

/** A syntactically valid PNG that claims width x height but carries almost no data. */
export function pngClaimingSize(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(Buffer.alloc(64))), pngChunk('IEND', Buffer.alloc(0))]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Largest absolute per-channel difference between two equally sized RGB buffers. */
export function maxDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** The RGB triple at (x, y). */
export function pixelAt(image: { data: Uint8Array; width: number }, x: number, y: number): number[] {
  const i = (y * image.width + x) * 3;
  return [image.data[i], image.data[i + 1], image.data[i + 2]];
}
