// PNG of the precision-recall plot. Kept apart from pr-plot.ts so drawing the SVG never loads
// sharp; rasterising goes through output/svg.ts, the one place charts meet sharp.
import { rasterizeSvg, type RasterizeOptions } from '../output/svg.js';
import type { CocoEvalResult } from './coco-eval.js';
import { precisionRecallSvg, type PrPlotOptions } from './pr-plot.js';

export async function precisionRecallPng(result: CocoEvalResult, options: PrPlotOptions & RasterizeOptions = {}): Promise<Buffer> {
  return rasterizeSvg(precisionRecallSvg(result, options), options.scale === undefined ? {} : { scale: options.scale });
}
