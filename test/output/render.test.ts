import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { MaskserveError } from '../../src/errors.js';
import { classColor, renderAnnotated } from '../../src/output/render.js';
import type { Instances, RawImage } from '../../src/types.js';
import { ellipseMask, makeInstances, rectMask } from './helpers.js';

const GREY = 128;

function greyImage(width: number, height: number): RawImage {
  return { data: new Uint8Array(width * height * 3).fill(GREY), width, height, source: { format: 'png', orientation: 1, bytes: 0 } };
}

async function decode(png: Buffer): Promise<{ data: Buffer; width: number; height: number; format?: string }> {
  const { format } = await sharp(png).metadata();
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, format };
}

function pixel(image: { data: Uint8Array; width: number }, x: number, y: number): number[] {
  const p = (y * image.width + x) * 3;
  return [image.data[p], image.data[p + 1], image.data[p + 2]];
}

// 200x150 grey image; a person ellipse and, drawn on top of it, a smaller car rectangle.
const image = greyImage(200, 150);
const scene: Instances = makeInstances({ width: 200, height: 150 }, [
  { box: [100, 60, 160, 120], score: 0.95, classId: 2, mask: rectMask(100, 60, 160, 120) },
  { box: [20, 30, 180, 140], score: 0.9, classId: 1, mask: ellipseMask(20, 30, 180, 140) },
]);
const person = classColor('person');
const car = classColor('car');

describe('renderAnnotated', () => {
  it('returns a PNG of the image size and leaves the caller image untouched', async () => {
    const out = await decode(await renderAnnotated(image, scene));
    assert.equal(out.format, 'png');
    assert.deepEqual([out.width, out.height], [200, 150]);
    assert.ok(image.data.every((v) => v === GREY));
    mkdirSync('test-output', { recursive: true });
    writeFileSync('test-output/render-sample.png', await renderAnnotated(image, scene));
  });

  it('tints mask pixels halfway to the class colour and leaves outside pixels alone', async () => {
    const out = await decode(await renderAnnotated(image, scene, { labels: false }));
    const tinted = pixel(out, 60, 100); // inside the person ellipse, away from boxes and contour
    person.forEach((c, i) => assert.ok(Math.abs(tinted[i] - (GREY + c) / 2) <= 1, `channel ${i}: ${tinted[i]}`));
    assert.deepEqual(pixel(out, 5, 5), [GREY, GREY, GREY]);
    assert.deepEqual(pixel(out, 195, 145), [GREY, GREY, GREY]);
  });

  it('draws an opaque contour and keeps smaller instances on top of larger ones', async () => {
    const out = await decode(await renderAnnotated(image, scene, { boxes: false, labels: false }));
    assert.deepEqual(pixel(out, 100, 90), car); // left edge of the car, inside the person
    assert.deepEqual(pixel(out, 100, 30), person); // top row of the person ellipse
    const carInside = pixel(out, 130, 90); // car fill over person fill
    car.forEach((c, i) => assert.ok(Math.abs(carInside[i] - c) < Math.abs(GREY - c) || c === GREY));
  });

  it('leaves mask pixels untouched with masks:false and honours opacity', async () => {
    const bare = await decode(await renderAnnotated(image, scene, { masks: false, labels: false }));
    assert.deepEqual(pixel(bare, 60, 100), [GREY, GREY, GREY]);
    assert.deepEqual(pixel(bare, 100, 32), [GREY, GREY, GREY]); // near the ellipse top, below the box edge
    const solid = await decode(await renderAnnotated(image, scene, { opacity: 1, labels: false }));
    assert.deepEqual(pixel(solid, 60, 100), person);
    const clear = await decode(await renderAnnotated(image, scene, { opacity: 0, boxes: false, labels: false }));
    assert.deepEqual(pixel(clear, 60, 100), [GREY, GREY, GREY]);
  });

  it('draws labels, even for XML-hostile class names, inside the image', async () => {
    const hostile = makeInstances({ width: 120, height: 40 }, [
      { box: [90, 0, 120, 40], score: 0.5, classId: 0, mask: rectMask(90, 0, 120, 40) },
    ], ['<script>alert("x")</script> & \u0001 \'tom\' ]]>']);
    const small = greyImage(120, 40);
    const withLabel = await decode(await renderAnnotated(small, hostile, { masks: false, boxes: false }));
    const changed = withLabel.data.filter((v) => v !== GREY).length;
    assert.ok(changed > 100, `only ${changed} channel values changed`);
    assert.deepEqual([withLabel.width, withLabel.height], [120, 40]);
    // A label wider than the whole image is cut, not refused.
    await renderAnnotated(greyImage(6, 5), makeInstances({ width: 6, height: 5 }, [
      { box: [0, 0, 6, 5], score: 0.9, classId: 1, mask: rectMask(0, 0, 6, 5) },
    ]));
  });

  it('encodes jpeg and webp', async () => {
    for (const format of ['jpeg', 'webp'] as const) {
      const out = await decode(await renderAnnotated(image, scene, { format }));
      assert.equal(out.format, format);
      assert.deepEqual([out.width, out.height], [200, 150]);
    }
  });

  it('renders an image with no instances unchanged', async () => {
    const out = await decode(await renderAnnotated(image, makeInstances({ width: 200, height: 150 }, [])));
    assert.ok(out.data.every((v) => v === GREY));
  });

  it('rejects bad options with parameter errors', async () => {
    await assert.rejects(renderAnnotated(image, scene, { opacity: 2 }), /Expected a number between 0 and 1 for opacity but received 2/);
    await assert.rejects(renderAnnotated(image, scene, { format: 'gif' as never }), MaskserveError);
  });
});

describe('classColor', () => {
  it('is stable per class name across runs', () => {
    assert.deepEqual(classColor('person'), [230, 25, 75]); // pinned: a change would recolour every user's images
    assert.deepEqual(classColor('person'), classColor('person'));
    assert.notDeepEqual(classColor('person'), classColor('car'));
    const colors = new Set(['person', 'car', 'dog', 'cat', 'bus', 'truck', 'bird'].map((n) => classColor(n).join()));
    assert.ok(colors.size >= 5);
  });

  it('returns a copy the caller may modify', () => {
    classColor('person')[0] = 0;
    assert.equal(classColor('person')[0], 230);
  });
});
