// The annotated image (what the original Flask app's /detect returned), in three layers like
// detectron2's Visualizer:
//   render.ts          instances + options -> encoded image (this file)
//   render-overlay.ts  draw order, sizes, label placement
//   render-primitives  masks, contours and boxes painted into an RGB buffer in JS;
//   render-labels      label tags as small SVGs composited by sharp (text needs a font engine).
// Masks and boxes are painted in JS rather than as one full-size SVG so a 40 MP photo never
// needs a second 160 MB RGBA layer; only the small label tags go through librsvg.
import sharp, { type Sharp } from 'sharp';
import { invalidParameter } from '../errors.js';
import type { Instances, RawImage } from '../types.js';
import { IMAGE_FORMAT_NAMES, OUTPUT_FORMATS, type ImageOutputFormat } from './formats.js';
import { overlayInstances, scaledSizes } from './render-overlay.js';

export { classColor } from './colors.js';

export interface RenderOptions {
  boxes?: boolean;
  labels?: boolean;
  masks?: boolean;
  /** Mask fill opacity, 0..1 (default 0.5). */
  opacity?: number;
  format?: ImageOutputFormat;
}

/** Draws `instances` over `image` (already in displayed orientation) and encodes the result. */
export async function renderAnnotated(image: RawImage, instances: Instances, options: RenderOptions = {}): Promise<Buffer> {
  const { boxes = true, labels = true, masks = true, opacity = 0.5, format = 'png' } = options;
  if (typeof opacity !== 'number' || !Number.isFinite(opacity) || opacity < 0 || opacity > 1) {
    throw invalidParameter('a number between 0 and 1', 'opacity', opacity);
  }
  if (!IMAGE_FORMAT_NAMES.includes(format)) throw invalidParameter(`one of ${IMAGE_FORMAT_NAMES.join(', ')}`, 'format', format);
  const { width, height } = image;
  if (image.data.length !== width * height * 3) {
    throw invalidParameter(`${width * height * 3} bytes of RGB`, 'image.data', image.data.length);
  }
  const canvas = { data: Uint8Array.from(image.data), width, height }; // never paint over the caller's pixels
  const tags = overlayInstances(canvas, instances, { boxes, labels, masks, opacity, ...scaledSizes(width, height) });
  let pipeline = sharp(canvas.data, { raw: { width, height, channels: 3 } });
  if (tags.length > 0) {
    pipeline = pipeline.composite(tags.map((tag) => ({ input: Buffer.from(tag.svg), left: tag.left, top: tag.top })));
  }
  return encode(pipeline, format);
}

function encode(pipeline: Sharp, format: ImageOutputFormat): Promise<Buffer> {
  const { id, options } = OUTPUT_FORMATS[format].encoder;
  return pipeline.toFormat(id, options).toBuffer();
}
