// Pixel normalisation as a stage any family can use: channel order, mean and std come from the
// model card, else the graph's metadata, else the family's default, so a new export (e.g. a
// converted detectron2 model) is described by data, not code.
//   interleaved RGB uint8 [h, w, 3] -> planar float32 [3, paddedH, paddedW], (x - mean) / std,
//   zero padding bottom/right (after normalisation, as detectron2 and the ONNX zoo pad).
import { MaskserveError } from '../errors.js';
import { INTERPOLATIONS, SIZE_ROUNDINGS, type Interpolation, type SizeRounding } from '../geometry/letterbox.js';
import type { GraphInfo, ModelCard, Size } from '../types.js';
import { metadataValue } from './tensors.js';

export const CHANNEL_ORDERS = Object.freeze(['RGB', 'BGR'] as const);
export type ChannelOrder = (typeof CHANNEL_ORDERS)[number];

export interface PixelNormalisation {
  readonly channelOrder: ChannelOrder;
  /** Per input channel, in `channelOrder`. */
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** Card field and metadata key of every input setting, so both spellings are defined once. */
export const INPUT_SETTINGS = Object.freeze({
  channelOrder: { card: 'inputFormat', metadata: 'maskserve.input_format' },
  mean: { card: 'pixelMean', metadata: 'maskserve.pixel_mean' },
  std: { card: 'pixelStd', metadata: 'maskserve.pixel_std' },
  interpolation: { card: 'interpolation', metadata: 'maskserve.interpolation' },
  rounding: { card: 'resizeRounding', metadata: 'maskserve.resize_rounding' },
} as const);

type SettingName = keyof typeof INPUT_SETTINGS;

function raw(name: SettingName, card: ModelCard, graph: GraphInfo): { value: unknown; source: string } | undefined {
  const { card: field, metadata: key } = INPUT_SETTINGS[name];
  if (card[field] !== undefined) return { value: card[field], source: `model card ${field}` };
  const text = metadataValue(graph, key);
  if (text === undefined) return undefined;
  if (name === 'mean' || name === 'std') {
    try {
      return { value: JSON.parse(text), source: `model metadata "${key}"` };
    } catch {
      return { value: text, source: `model metadata "${key}"` };
    }
  }
  return { value: text, source: `model metadata "${key}"` };
}

function oneOf<T extends string>(name: SettingName, allowed: readonly T[], card: ModelCard, graph: GraphInfo, fallback: T): T {
  const found = raw(name, card, graph);
  if (found === undefined) return fallback;
  if (!allowed.includes(found.value as T)) {
    throw new MaskserveError('MODEL_FORMAT', `${found.source} must be one of ${allowed.join(', ')}, not ${JSON.stringify(found.value)}`);
  }
  return found.value as T;
}

function triple(name: 'mean' | 'std', card: ModelCard, graph: GraphInfo, fallback: readonly [number, number, number]): readonly [number, number, number] {
  const found = raw(name, card, graph);
  if (found === undefined) return fallback;
  const value = found.value;
  if (!Array.isArray(value) || value.length !== 3 || !value.every((v) => typeof v === 'number' && Number.isFinite(v)) || (name === 'std' && value.includes(0))) {
    throw new MaskserveError('MODEL_FORMAT', `${found.source} must be a list of 3 numbers${name === 'std' ? ' (none zero)' : ''}, not ${JSON.stringify(value)}`);
  }
  return Object.freeze([value[0], value[1], value[2]]) as readonly [number, number, number];
}

export function pixelNormalisation(card: ModelCard, graph: GraphInfo, fallback: PixelNormalisation): PixelNormalisation {
  return Object.freeze({
    channelOrder: oneOf('channelOrder', CHANNEL_ORDERS, card, graph, fallback.channelOrder),
    mean: triple('mean', card, graph, fallback.mean),
    std: triple('std', card, graph, fallback.std),
  });
}

export function resizeSettings(card: ModelCard, graph: GraphInfo, fallback: { interpolation: Interpolation; rounding: SizeRounding }) {
  return Object.freeze({
    interpolation: oneOf('interpolation', INTERPOLATIONS, card, graph, fallback.interpolation),
    rounding: oneOf('rounding', SIZE_ROUNDINGS, card, graph, fallback.rounding),
  });
}

export function describeNormalisation(n: PixelNormalisation): string {
  const std = n.std.every((s) => s === 1) ? '' : ` / std`;
  return `${n.channelOrder} minus mean${std}`;
}

/** Where the resized image sits in the network input, and what fills the rest (a uint8 pixel value). */
export interface Placement {
  readonly left: number;
  readonly top: number;
  /** Padding as a pixel value before normalisation (Ultralytics: 114); undefined = 0 after it (detectron2, the ONNX zoo). */
  readonly padPixel?: number;
}

const TOP_LEFT: Placement = Object.freeze({ left: 0, top: 0 });

/**
 * rgb: interleaved [size.height, size.width, 3] -> planar [3, padded.height, padded.width],
 * (x - mean) / std per input channel, the image placed at (left, top).
 */
export function normalisedPlanes(rgb: Uint8Array, size: Size, padded: Size, n: PixelNormalisation, placement: Placement = TOP_LEFT): Float32Array {
  const plane = padded.width * padded.height;
  const data = new Float32Array(3 * plane);
  // Source channel (in RGB) feeding each input plane.
  const sourceChannel = n.channelOrder === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  for (let c = 0; c < 3; c++) {
    const from = sourceChannel[c];
    // float32 operands, so (x - mean) / std rounds exactly as PyTorch's float32 ops do.
    const mean = Math.fround(n.mean[c]);
    const std = Math.fround(n.std[c]);
    const base = c * plane;
    if (placement.padPixel !== undefined) data.fill(Math.fround(placement.padPixel - mean) / std, base, base + plane);
    for (let y = 0; y < size.height; y++) {
      let src = y * size.width * 3 + from;
      const row = base + (y + placement.top) * padded.width + placement.left;
      if (std === 1) for (let x = 0; x < size.width; x++, src += 3) data[row + x] = rgb[src] - mean;
      else for (let x = 0; x < size.width; x++, src += 3) data[row + x] = Math.fround(rgb[src] - mean) / std;
    }
  }
  return data;
}
