import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { rasterizeSvg } from '../../src/output/svg.js';

const chart =
  '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">' +
  '<rect width="40" height="20" fill="#ffffff"/><rect x="0" y="10" width="20" height="10" fill="#ff0000"/>' +
  '<text x="22" y="15" font-family="DejaVu Sans, sans-serif" font-size="8">AP</text></svg>';

describe('rasterizeSvg', () => {
  it('renders an SVG string to a PNG of its declared size', async () => {
    const png = await rasterizeSvg(chart);
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    assert.equal((await sharp(png).metadata()).format, 'png');
    assert.deepEqual([info.width, info.height], [40, 20]);
    assert.deepEqual([...data.subarray((15 * 40 + 5) * 3, (15 * 40 + 5) * 3 + 3)], [255, 0, 0]);
    assert.deepEqual([...data.subarray((2 * 40 + 5) * 3, (2 * 40 + 5) * 3 + 3)], [255, 255, 255]);
  });

  it('scales for high-DPI output', async () => {
    const { width, height } = await sharp(await rasterizeSvg(chart, { scale: 2 })).metadata();
    assert.deepEqual([width, height], [80, 40]);
  });

  it('rejects non-SVG input and bad scales', async () => {
    await assert.rejects(rasterizeSvg('<html></html>'), /Expected an SVG document for svg/);
    await assert.rejects(rasterizeSvg(chart, { scale: 0 }), /for scale/);
  });
});
