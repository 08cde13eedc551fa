import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { decodeImage, sniffFormat } from '../../src/input/decode.js';
import { DEFAULT_MAX_PIXELS } from '../../src/input/limits.js';
import { MaskserveError } from '../../src/errors.js';
import { animatedGif, maxDifference, patternRgb, pixelAt, pngClaimingSize, solid, toSharp } from './image-fixtures.js';

const pattern = patternRgb(6, 4);

function rejectsWith(code: string, check?: (error: MaskserveError) => void) {
  return (error: unknown) => {
    assert.ok(error instanceof MaskserveError, `expected MaskserveError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    check?.(error);
    return true;
  };
}

describe('decodeImage: every allowed format', () => {
  const lossless: [string, () => Promise<Buffer>][] = [
    ['png', () => toSharp(pattern).png().toBuffer()],
    ['webp', () => toSharp(pattern).webp({ lossless: true }).toBuffer()],
    ['tiff', () => toSharp(pattern).tiff({ compression: 'lzw' }).toBuffer()],
  ];
  for (const [format, encode] of lossless) {
    it(`decodes ${format} exactly`, async () => {
      const bytes = await encode();
      const image = await decodeImage(bytes);
      assert.equal(image.width, 6);
      assert.equal(image.height, 4);
      assert.deepEqual(image.data, pattern.data);
      assert.deepEqual(image.source, { format, orientation: 1, bytes: bytes.length });
    });
  }

  it('decodes jpeg (lossy, close to the original)', async () => {
    const bytes = await toSharp(solid(16, 16, [200, 40, 90])).jpeg({ quality: 95 }).toBuffer();
    const image = await decodeImage(bytes);
    assert.equal(image.source.format, 'jpeg');
    assert.ok(maxDifference(image.data, solid(16, 16, [200, 40, 90]).data) <= 4);
  });

  it('decodes avif (AV1 in HEIF)', async () => {
    const bytes = await toSharp(solid(16, 16, [30, 160, 220])).avif({ effort: 0, quality: 90 }).toBuffer();
    assert.equal(sniffFormat(bytes), 'avif');
    const image = await decodeImage(bytes);
    assert.equal(image.source.format, 'avif');
    assert.equal(image.data.length, 16 * 16 * 3);
    assert.ok(maxDifference(image.data, solid(16, 16, [30, 160, 220]).data) <= 8);
  });

  it('decodes only the first frame of an animated gif', async () => {
    const bytes = await animatedGif(5, 3, [[255, 0, 0], [0, 0, 255]]);
    assert.equal((await sharp(bytes).metadata()).pages, 2, 'precondition: two frames');
    const image = await decodeImage(bytes);
    assert.equal(image.source.format, 'gif');
    assert.deepEqual([image.width, image.height], [5, 3]);
    assert.deepEqual(image.data, solid(5, 3, [255, 0, 0]).data);
  });

  it('decodes only the first frame of an animated webp', async () => {
    const frames = await Promise.all([[0, 255, 0], [255, 0, 255]].map((c) => toSharp(solid(4, 4, c)).png().toBuffer()));
    const bytes = await sharp(frames, { join: { animated: true } }).webp({ lossless: true }).toBuffer();
    assert.equal((await sharp(bytes).metadata()).pages, 2, 'precondition: two frames');
    const image = await decodeImage(bytes);
    assert.deepEqual([image.width, image.height], [4, 4]);
    assert.deepEqual(image.data, solid(4, 4, [0, 255, 0]).data);
  });

  it('returns a plain Uint8Array of width * height * 3', async () => {
    const image = await decodeImage(await toSharp(pattern).png().toBuffer());
    assert.equal(Object.getPrototypeOf(image.data), Uint8Array.prototype);
    assert.equal(image.data.length, 6 * 4 * 3);
  });
});

describe('decodeImage: colour normalisation to 8-bit sRGB RGB', () => {
  it('reduces a 16-bit PNG to 8 bits', async () => {
    const wide = new Uint16Array(pattern.data.length);
    for (let i = 0; i < wide.length; i++) wide[i] = pattern.data[i] * 257;
    const bytes = await sharp(wide, { raw: { width: 6, height: 4, channels: 3 } }).toColourspace('rgb16').png().toBuffer();
    assert.equal((await sharp(bytes).metadata()).depth, 'ushort', 'precondition: 16-bit PNG');
    assert.deepEqual((await decodeImage(bytes)).data, pattern.data);
  });

  it('handles 16-bit grayscale with alpha (flattened, reduced, expanded)', async () => {
    const greyAlpha = new Uint16Array([0, 0, 257 * 31, 65535]); // transparent, then opaque grey 31
    const bytes = await sharp(greyAlpha, { raw: { width: 2, height: 1, channels: 2 } }).toColourspace('grey16').png().toBuffer();
    assert.equal((await sharp(bytes).metadata()).space, 'grey16', 'precondition: 16-bit grey');
    assert.deepEqual([...(await decodeImage(bytes)).data], [255, 255, 255, 31, 31, 31]);
  });

  it('expands grayscale to three equal channels', async () => {
    const bytes = await toSharp(pattern).toColourspace('b-w').png().toBuffer();
    assert.equal((await sharp(bytes).metadata()).channels, 1, 'precondition: one channel');
    const image = await decodeImage(bytes);
    for (let i = 0; i < image.data.length; i += 3) {
      assert.equal(image.data[i], image.data[i + 1]);
      assert.equal(image.data[i], image.data[i + 2]);
    }
  });

  it('expands a palette PNG', async () => {
    const twoColours = solid(8, 2, [250, 10, 10]);
    twoColours.data.fill(20, 24); // second row becomes grey 20,20,20
    const bytes = await toSharp(twoColours).png({ palette: true, colours: 4, dither: 0 }).toBuffer();
    assert.equal((await sharp(bytes).metadata()).isPalette, true, 'precondition: palette PNG');
    const image = await decodeImage(bytes);
    assert.deepEqual(pixelAt(image, 3, 0), [250, 10, 10]);
    assert.deepEqual(pixelAt(image, 3, 1), [20, 20, 20]);
  });

  it('converts a CMYK JPEG to sRGB', async () => {
    const bytes = await toSharp(solid(16, 16, [220, 30, 30])).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    assert.equal((await sharp(bytes).metadata()).space, 'cmyk', 'precondition: CMYK JPEG');
    const image = await decodeImage(bytes);
    const [r, g, b] = pixelAt(image, 8, 8);
    assert.ok(r > 170 && g < 90 && b < 90, `expected a red, got ${[r, g, b]}`);
  });

  it('flattens alpha onto white', async () => {
    const rgba = solid(3, 1, [0, 0, 0, 255]);
    rgba.data.set([0, 0, 0, 0], 4); // transparent black
    rgba.data.set([0, 0, 0, 128], 8); // half-transparent black
    const image = await decodeImage(await toSharp(rgba).png().toBuffer());
    assert.deepEqual(pixelAt(image, 0, 0), [0, 0, 0]);
    assert.deepEqual(pixelAt(image, 1, 0), [255, 255, 255]);
    const [grey] = pixelAt(image, 2, 0);
    assert.ok(grey > 110 && grey < 145, `expected mid grey, got ${grey}`);
  });
});

describe('decodeImage: rejections', () => {
  it('rejects empty input', async () => {
    await assert.rejects(decodeImage(new Uint8Array(0)), rejectsWith('EMPTY_INPUT'));
  });

  it('rejects random bytes as an unsupported format', async () => {
    await assert.rejects(decodeImage(randomBytes(512)), rejectsWith('UNSUPPORTED_FORMAT'));
  });

  const unsupported: [string, Uint8Array, string][] = [
    ['SVG', Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'), 'SVG'],
    ['PDF', Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj', 'latin1'), 'PDF'],
    ['text', Buffer.from('just some words, not an image'), 'text'],
    ['HEIC', heifHeader('heic', ['mif1', 'heic']), 'HEIC'],
  ];
  for (const [name, bytes, detected] of unsupported) {
    it(`rejects ${name}, naming it and the allowed list`, async () => {
      await assert.rejects(decodeImage(bytes), rejectsWith('UNSUPPORTED_FORMAT', (error) => {
        assert.match(error.message, new RegExp(detected));
        assert.match(error.message, /JPEG, PNG, WebP, GIF, AVIF, TIFF/);
        assert.equal(error.status, 415);
      }));
    });
  }

  const truncations: [string, () => Promise<Buffer>][] = [
    ['JPEG', () => toSharp(patternRgb(64, 64)).jpeg().toBuffer()],
    ['PNG', () => toSharp(patternRgb(64, 64)).png({ compressionLevel: 0 }).toBuffer()],
  ];
  for (const [name, encode] of truncations) {
    it(`rejects a truncated ${name} as corrupt without leaking library wording`, async () => {
      const whole = await encode();
      await assert.rejects(decodeImage(whole.subarray(0, Math.floor(whole.length * 0.6))), rejectsWith('CORRUPT_IMAGE', (error) => {
        assert.equal(error.status, 422);
        assert.match(error.message, new RegExp(`^The ${name} image is corrupt or truncated: `));
        assert.doesNotMatch(error.message, /vips|libpng|buffer/i);
      }));
    });
  }

  it('rejects JPEG magic followed by garbage as corrupt', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(300)]);
    await assert.rejects(decodeImage(bytes), rejectsWith('CORRUPT_IMAGE'));
  });
});

describe('decodeImage: pixel cap', () => {
  it('rejects a 100000x100000 PNG header before decoding (fast, small memory)', async () => {
    const bytes = pngClaimingSize(100_000, 100_000);
    assert.ok(bytes.length < 200);
    const started = performance.now();
    const rssBefore = process.memoryUsage().rss;
    await assert.rejects(decodeImage(bytes), rejectsWith('IMAGE_TOO_LARGE', (error) => {
      assert.equal(error.status, 413);
      assert.match(error.message, /100000x100000/);
      assert.match(error.message, new RegExp(String(DEFAULT_MAX_PIXELS)));
    }));
    assert.ok(performance.now() - started < 2000);
    assert.ok(process.memoryUsage().rss - rssBefore < 200 * 1024 * 1024);
  });

  it('applies a configured cap exactly at the boundary', async () => {
    const bytes = await toSharp(patternRgb(100, 100)).png().toBuffer();
    assert.equal((await decodeImage(bytes, { maxPixels: 10_000 })).width, 100);
    await assert.rejects(decodeImage(bytes, { maxPixels: 9_999 }), rejectsWith('IMAGE_TOO_LARGE', (error) => {
      assert.match(error.message, /100x100/);
    }));
  });

  it('validates maxPixels and the input type', async () => {
    await assert.rejects(decodeImage(new Uint8Array(3), { maxPixels: 0 }), rejectsWith('INVALID_OPTION'));
    await assert.rejects(decodeImage(new Uint8Array(3), { maxPixels: 1.5 }), rejectsWith('INVALID_OPTION'));
    await assert.rejects(decodeImage('not bytes' as unknown as Uint8Array), rejectsWith('INVALID_OPTION'));
  });
});

describe('sniffFormat', () => {
  it('recognises formats by their magic bytes only', async () => {
    assert.equal(sniffFormat(await toSharp(pattern).jpeg().toBuffer()), 'jpeg');
    assert.equal(sniffFormat(await toSharp(pattern).png().toBuffer()), 'png');
    assert.equal(sniffFormat(await toSharp(pattern).webp().toBuffer()), 'webp');
    assert.equal(sniffFormat(await toSharp(pattern).gif().toBuffer()), 'gif');
    assert.equal(sniffFormat(await toSharp(pattern).tiff().toBuffer()), 'tiff');
    assert.equal(sniffFormat(heifHeader('avif', ['mif1', 'avif'])), 'avif');
    assert.equal(sniffFormat(heifHeader('heic', ['mif1', 'heic'])), undefined);
    assert.equal(sniffFormat(Buffer.from('<svg/>')), undefined);
    assert.equal(sniffFormat(new Uint8Array(0)), undefined);
    assert.equal(sniffFormat(new Uint8Array([0xff, 0xd8])), undefined);
  });
});

/** An ISO-BMFF ftyp box with the given major and compatible brands (enough for sniffing). */
function heifHeader(major: string, compatible: string[]): Buffer {
  const size = 16 + compatible.length * 4;
  const box = Buffer.alloc(size + 16);
  box.writeUInt32BE(size, 0);
  box.write('ftyp', 4, 'latin1');
  box.write(major, 8, 'latin1');
  compatible.forEach((brand, i) => box.write(brand, 16 + i * 4, 'latin1'));
  return box;
}
