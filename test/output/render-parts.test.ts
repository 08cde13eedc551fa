import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { textColorOn } from '../../src/output/colors.js';
import { escapeXml, estimateTextWidth, labelSvg, labelText, measureLabel } from '../../src/output/render-labels.js';
import { drawOrder, scaledSizes } from '../../src/output/render-overlay.js';
import { distanceToOutside, strokeRect } from '../../src/output/render-primitives.js';
import { ellipseMask, makeInstances, maskFromArt, rectMask } from './helpers.js';

describe('label text', () => {
  it('escapes XML specials and strips characters XML cannot hold', () => {
    assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
    assert.equal(escapeXml('bell\u0007 nul\u0000'), 'bell\uFFFD nul\uFFFD');
    assert.equal(escapeXml('café 日本 🐕'), 'café 日本 🐕');
  });

  it('writes whole percentages without claiming 100% for scores below 1', () => {
    assert.equal(labelText('person', 0.984), 'person 98%');
    assert.equal(labelText('person', 0.996), 'person 99%');
    assert.equal(labelText('person', 1), 'person 100%');
    assert.equal(labelText('dog', 0.004), 'dog 0%');
  });

  it('sizes tags by the text and pins the text to that width', () => {
    assert.ok(estimateTextWidth('WWW', 20) > estimateTextWidth('iii', 20));
    const box = measureLabel('person 98%', 20);
    assert.ok(box.width > box.textWidth && box.height >= 20);
    const svg = labelSvg('person 98%', [230, 25, 75], 20, box, 1000, 1000);
    assert.match(svg, new RegExp(`width="${box.width}" height="${box.height}"`));
    assert.match(svg, new RegExp(`textLength="${box.textWidth}"`));
    assert.match(svg, /font-family="DejaVu Sans, sans-serif"/);
    assert.match(labelSvg('x', [0, 0, 0], 20, box, 7, 5), /^<svg [^>]*width="7" height="5"/);
  });

  it('picks readable text colours', () => {
    assert.deepEqual(textColorOn([255, 210, 0]), [0, 0, 0]);
    assert.deepEqual(textColorOn([40, 60, 200]), [255, 255, 255]);
  });
});

describe('overlay layout', () => {
  it('draws the largest mask first', () => {
    const instances = makeInstances({ width: 50, height: 50 }, [
      { box: [0, 0, 5, 5], score: 0.9, classId: 1, mask: rectMask(0, 0, 5, 5) },
      { box: [0, 0, 40, 40], score: 0.8, classId: 1, mask: ellipseMask(0, 0, 40, 40) },
      { box: [0, 0, 20, 20], score: 0.7, classId: 1, mask: rectMask(0, 0, 20, 20) },
    ]);
    assert.deepEqual(drawOrder(instances), [1, 2, 0]);
  });

  it('scales line width and font size with the image', () => {
    assert.deepEqual(scaledSizes(64, 48), { lineWidth: 1, fontSize: 12 });
    const big = scaledSizes(4000, 3000);
    assert.ok(big.lineWidth >= 8 && big.fontSize >= 60, JSON.stringify(big));
  });
});

describe('raster primitives', () => {
  it('measures city-block distance to the outside, capped', () => {
    const mask = maskFromArt(0, 0, ['#####', '#####', '#####', '#####', '#####']);
    const d = distanceToOutside(mask, 10);
    assert.deepEqual([...d.subarray(10, 15)], [1, 2, 3, 2, 1]);
    assert.deepEqual([...distanceToOutside(mask, 1).subarray(10, 15)], [1, 2, 2, 2, 1]);
    assert.deepEqual([...distanceToOutside(maskFromArt(0, 0, ['###', '#.#', '###']), 5)], [1, 1, 1, 1, 0, 1, 1, 1, 1]);
  });

  it('strokes a box inside its edges, clipped to the canvas', () => {
    const canvas = { data: new Uint8Array(6 * 6 * 3), width: 6, height: 6 };
    strokeRect(canvas, { x1: -2, y1: 1, x2: 4, y2: 5 }, [255, 255, 255], 1);
    const lit = (x: number, y: number): boolean => canvas.data[(y * 6 + x) * 3] === 255;
    assert.ok(lit(0, 1) && lit(3, 1) && lit(3, 4) && lit(0, 4) && lit(0, 2));
    assert.ok(!lit(1, 2) && !lit(4, 1) && !lit(0, 0) && !lit(0, 5));
  });
});
