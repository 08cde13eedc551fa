// Draws instances over the photo. Each mask is turned into two small bitmaps once (fill and
// outline, over its bounding region only); redrawing after a slider move is then a few drawImage
// calls, fast enough to follow the slider on every input event. Sizes follow the server's
// renderer so the annotated PNG looks like the API's.
import { classColor, cssColor, textColorOn, type Rgb } from '../../src/output/colors.js';
import type { Hittable } from './hit-test.js';
import { decodeMaskRegion, distanceToEdge, maskOutline } from './rle.js';
import type { MaskRegion, ResultInstance } from './types.js';
import type { ViewState } from './view-state.js';

export interface PreparedInstance extends Hittable {
  readonly instance: ResultInstance;
  readonly color: Rgb;
  readonly fill: HTMLCanvasElement | null;
  readonly outline: HTMLCanvasElement | null;
  /** A thicker outline for the highlighted instance. */
  readonly boldOutline: HTMLCanvasElement | null;
}

export interface Scale {
  readonly lineWidth: number;
  readonly fontSize: number;
}

/** Line width and font size in image pixels that read alike on thumbnails and on big photos. */
export function scaleFor(width: number, height: number): Scale {
  const diagonal = Math.sqrt(width * height);
  return { lineWidth: Math.max(1, Math.round(diagonal / 360)), fontSize: Math.max(12, Math.round(diagonal / 48)) };
}

export function prepareInstances(instances: readonly ResultInstance[], scale: Scale): PreparedInstance[] {
  return instances.map((instance) => {
    const region: MaskRegion = instance.mask ? decodeMaskRegion(instance.mask) : { x: 0, y: 0, width: 0, height: 0, data: new Uint8Array(0), area: 0 };
    const color = classColor(instance.label);
    const empty = region.area === 0;
    const distance = empty ? new Uint16Array(0) : distanceToEdge(region);
    return {
      id: instance.id,
      bbox: instance.bbox,
      instance,
      region,
      color,
      fill: empty ? null : bitmap(region, region.data, color),
      outline: empty ? null : bitmap(region, maskOutline(distance, scale.lineWidth), color),
      boldOutline: empty ? null : bitmap(region, maskOutline(distance, scale.lineWidth * 2 + 1), color),
    };
  });
}

function bitmap(region: MaskRegion, bits: Uint8Array, [r, g, b]: Rgb): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = region.width;
  canvas.height = region.height;
  const pixels = new ImageData(region.width, region.height);
  for (let i = 0; i < bits.length; i++) {
    if (bits[i] === 0) continue;
    pixels.data[i * 4] = r;
    pixels.data[i * 4 + 1] = g;
    pixels.data[i * 4 + 2] = b;
    pixels.data[i * 4 + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(pixels, 0, 0);
  return canvas;
}

/** Paints `visible` (largest first, so small instances stay on top) and their labels. */
export function drawOverlay(ctx: CanvasRenderingContext2D, visible: readonly PreparedInstance[], view: ViewState, scale: Scale): void {
  const ordered = [...visible].sort((a, b) => sizeOf(b) - sizeOf(a) || a.id - b.id);
  const focused = ordered.find((item) => item.id === view.focusedId);
  for (const item of ordered) {
    const isFocused = item === focused;
    // With a highlighted instance the others step back, so the highlight reads at any opacity.
    const fillAlpha = isFocused ? Math.min(0.85, view.opacity + 0.3) : focused ? view.opacity * 0.5 : view.opacity;
    const { x, y } = item.region;
    if (item.fill && fillAlpha > 0) {
      ctx.globalAlpha = fillAlpha;
      ctx.drawImage(item.fill, x, y);
    }
    const outline = isFocused ? item.boldOutline : item.outline;
    if (outline) {
      ctx.globalAlpha = focused && !isFocused ? 0.5 : 1;
      ctx.drawImage(outline, x, y);
    }
    ctx.globalAlpha = 1;
    if (view.boxes || isFocused) strokeBox(ctx, item, scale.lineWidth * (isFocused ? 2 : 1), isFocused || !item.fill ? 1 : 0.6);
  }
  if (view.labels) {
    for (const item of ordered) if (item !== focused) drawLabel(ctx, item, scale);
  }
  if (focused) drawLabel(ctx, focused, scale); // always labelled, and drawn last so it is on top
  ctx.globalAlpha = 1;
}

function sizeOf(item: PreparedInstance): number {
  return item.region.area > 0 ? item.region.area : item.bbox[2] * item.bbox[3];
}

function strokeBox(ctx: CanvasRenderingContext2D, item: PreparedInstance, lineWidth: number, alpha: number): void {
  const [x, y, w, h] = item.bbox;
  ctx.globalAlpha = alpha;
  ctx.strokeStyle = cssColor(item.color);
  ctx.lineWidth = lineWidth;
  // Inset by half the line so the stroke stays inside the box's pixel edges, as the server draws it.
  ctx.strokeRect(x + lineWidth / 2, y + lineWidth / 2, Math.max(0, w - lineWidth), Math.max(0, h - lineWidth));
  ctx.globalAlpha = 1;
}

export function labelText(instance: Pick<ResultInstance, 'label' | 'score'>): string {
  return `${instance.label} ${Math.round(instance.score * 100)}%`;
}

/** A coloured tag at the box's top-left corner: above the box when there is room, else inside. */
function drawLabel(ctx: CanvasRenderingContext2D, item: PreparedInstance, scale: Scale): void {
  const text = labelText(item.instance);
  ctx.font = `600 ${scale.fontSize}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
  const padding = Math.round(scale.fontSize * 0.3);
  const tagWidth = Math.ceil(ctx.measureText(text).width) + padding * 2;
  const tagHeight = Math.round(scale.fontSize * 1.35);
  const [bx, by] = item.bbox;
  const maxX = Math.max(0, ctx.canvas.width - tagWidth);
  const x = Math.min(Math.max(0, bx), maxX);
  const y = by - tagHeight >= 0 ? by - tagHeight : Math.min(by, Math.max(0, ctx.canvas.height - tagHeight));
  ctx.fillStyle = cssColor(item.color);
  ctx.fillRect(x, y, tagWidth, tagHeight);
  ctx.fillStyle = cssColor(textColorOn(item.color));
  ctx.textBaseline = 'middle';
  ctx.fillText(text, x + padding, y + tagHeight / 2 + 1);
}
