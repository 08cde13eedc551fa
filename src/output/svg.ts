// SVG -> PNG for charts drawn as SVG strings (the evaluator's precision/recall plot).
// Lives in output/ because sharp may only be imported by input/ and output/.
import sharp from 'sharp';
import { invalidParameter } from '../errors.js';

export interface RasterizeOptions {
  /** Scale factor for crisp output on high-DPI screens (default 1 = the SVG's own size). */
  scale?: number;
}

export async function rasterizeSvg(svg: string, options: RasterizeOptions = {}): Promise<Buffer> {
  const scale = options.scale ?? 1;
  if (!Number.isFinite(scale) || scale <= 0 || scale > 8) throw invalidParameter('a number in (0, 8]', 'scale', scale);
  if (typeof svg !== 'string' || !/<svg[\s>]/.test(svg)) throw invalidParameter('an SVG document', 'svg', svg);
  // librsvg renders at 72 dpi = 1 SVG px per output pixel; density scales that.
  return sharp(Buffer.from(svg), { density: 72 * scale }).png().toBuffer();
}
