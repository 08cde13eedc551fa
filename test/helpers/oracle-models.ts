// "Oracle" ONNX graphs for end-to-end tests: they follow a family's input/output contract but
// their outputs are fixed by construction (Constant nodes), so a test knows exactly what the
// adapter must make of them. The image input is consumed as `0 * ReduceSum(image)` added to one
// output, so onnxruntime checks the feed's rank and type like a real model would, while any
// height/width is accepted (symbolic dims).
import { constantNode, float32Tensor, int64Tensor, writeModel, type NodeSpec, type ValueSpec } from '../../src/onnx/writer.js';

export const MASK_RCNN_MASK_SIZE = 28;

export interface MaskRcnnOracleSpec {
  /** x1, y1, x2, y2 in network-input pixels. */
  readonly boxes: readonly (readonly number[])[];
  /** 1-based COCO contract labels (0 = background). */
  readonly labels: readonly number[];
  readonly scores: readonly number[];
  /** One 28x28 probability grid per detection, row-major. */
  readonly masks: readonly Float32Array[];
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Graph names of the Mask R-CNN oracle outputs, in the order the graph declares them: names carry
 * no meaning and the order is shuffled, because adapters must identify outputs by dtype and shape.
 */
export const MASK_RCNN_ORACLE_OUTPUTS = Object.freeze({ masks: 'out_a', labels: 'out_b', boxes: 'out_c', scores: 'out_d' });

/** Input `image` float [3, height, width]; outputs float [N,4], int64 [N], float [N], float [N,1,28,28]. */
export function buildMaskRcnnOracle(spec: MaskRcnnOracleSpec): Uint8Array {
  const n = spec.boxes.length;
  if (spec.labels.length !== n || spec.scores.length !== n || spec.masks.length !== n) {
    throw new Error('boxes, labels, scores and masks must have the same length');
  }
  const cells = MASK_RCNN_MASK_SIZE * MASK_RCNN_MASK_SIZE;
  const maskValues = new Float32Array(n * cells);
  spec.masks.forEach((mask, i) => {
    if (mask.length !== cells) throw new Error(`mask ${i} has ${mask.length} values, expected ${cells}`);
    maskValues.set(mask, i * cells);
  });
  const names = MASK_RCNN_ORACLE_OUTPUTS;
  const nodes: NodeSpec[] = [
    ...touchInput('image', 'image_zero'),
    constantNode('boxes_const', float32Tensor([n, 4], spec.boxes.flat())),
    { op: 'Add', inputs: ['boxes_const', 'image_zero'], outputs: [names.boxes] },
    constantNode(names.labels, int64Tensor([n], spec.labels)),
    constantNode(names.scores, float32Tensor([n], spec.scores)),
    constantNode(names.masks, float32Tensor([n, 1, MASK_RCNN_MASK_SIZE, MASK_RCNN_MASK_SIZE], maskValues)),
  ];
  return writeModel({
    producerName: 'pytorch',
    nodes,
    inputs: [{ name: 'image', type: 'float32', dims: [3, 'height', 'width'] }],
    outputs: [
      { name: names.masks, type: 'float32', dims: ['nbox', 1, MASK_RCNN_MASK_SIZE, MASK_RCNN_MASK_SIZE] },
      { name: names.labels, type: 'int64', dims: ['nbox'] },
      { name: names.boxes, type: 'float32', dims: ['nbox', 4] },
      { name: names.scores, type: 'float32', dims: ['nbox'] },
    ],
    ...(spec.metadata ? { metadata: spec.metadata } : {}),
  });
}

export interface YoloAnchor {
  /** Box centre and size in letterboxed network-input pixels. */
  readonly cx: number;
  readonly cy: number;
  readonly w: number;
  readonly h: number;
  /** One score per class (length nc), already sigmoid-ed as in Ultralytics exports. */
  readonly classScores: readonly number[];
  /** Mask coefficients (length nm). */
  readonly coeffs: readonly number[];
}

export interface YoloSegOracleSpec {
  readonly imgsz: number;
  readonly names: readonly string[];
  readonly anchors: readonly YoloAnchor[];
  /** [nm, imgsz/4, imgsz/4] row-major. */
  readonly protos: Float32Array;
  readonly nm: number;
  /** Added to (or overriding) the Ultralytics-style metadata_props. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Input `images` [1,3,S,S]; output0 [1, 4+nc+nm, A] (channels first, anchors last), output1 [1, nm, S/4, S/4]. */
export function buildYoloSegOracle(spec: YoloSegOracleSpec): Uint8Array {
  const { imgsz: size, nm } = spec;
  const protoSize = size / 4;
  if (!Number.isInteger(protoSize)) throw new Error('imgsz must be a multiple of 4');
  if (spec.protos.length !== nm * protoSize * protoSize) throw new Error(`protos must hold ${nm}x${protoSize}x${protoSize} values`);
  const protoDims = [1, nm, protoSize, protoSize];
  return yoloOracle(spec.imgsz, spec.names, spec.anchors, nm, {
    nodes: [constantNode('output1', { type: 'float32', dims: protoDims, data: spec.protos })],
    outputs: [{ name: 'output1', type: 'float32', dims: protoDims }],
    metadata: spec.metadata ?? {},
  });
}

export interface YoloDetectOracleSpec {
  readonly imgsz: number;
  readonly names: readonly string[];
  /** Their `coeffs` must be empty: a detection head has none. */
  readonly anchors: readonly YoloAnchor[];
}

/** Input `images` [1,3,S,S]; output0 [1, 4+nc, A] (channels first), task "detect", no prototypes. */
export function buildYoloDetectOracle(spec: YoloDetectOracleSpec): Uint8Array {
  return yoloOracle(spec.imgsz, spec.names, spec.anchors, 0, {
    nodes: [],
    outputs: [],
    metadata: { description: 'Ultralytics YOLO11n model trained on oracle.yaml', task: 'detect' },
  });
}

/**
 * An Ultralytics-style graph whose output0 [1, 4+nc+nm, A] is the anchors' values (row r holds
 * attribute r of every anchor, as Ultralytics exports it), plus whatever else the family adds.
 */
function yoloOracle(
  size: number,
  names: readonly string[],
  anchors: readonly YoloAnchor[],
  nm: number,
  extra: { nodes: NodeSpec[]; outputs: ValueSpec[]; metadata: Readonly<Record<string, string>> },
): Uint8Array {
  const nc = names.length;
  const rows = 4 + nc + nm;
  const count = anchors.length;
  const head = new Float32Array(rows * count);
  anchors.forEach((anchor, a) => {
    if (anchor.classScores.length !== nc || anchor.coeffs.length !== nm) throw new Error(`anchor ${a} needs ${nc} scores and ${nm} coeffs`);
    [anchor.cx, anchor.cy, anchor.w, anchor.h, ...anchor.classScores, ...anchor.coeffs].forEach((value, r) => (head[r * count + a] = value));
  });
  return writeModel({
    producerName: 'pytorch',
    nodes: [
      ...touchInput('images', 'images_zero'),
      constantNode('head_const', { type: 'float32', dims: [1, rows, count], data: head }),
      { op: 'Add', inputs: ['head_const', 'images_zero'], outputs: ['output0'] },
      ...extra.nodes,
    ],
    inputs: [{ name: 'images', type: 'float32', dims: [1, 3, size, size] }],
    outputs: [{ name: 'output0', type: 'float32', dims: [1, rows, count] }, ...extra.outputs],
    metadata: { ...ultralyticsMetadata(size, names), ...extra.metadata },
  });
}

/** metadata_props as Ultralytics' exporter writes them (every value a string). */
export function ultralyticsMetadata(imgsz: number, names: readonly string[]): Record<string, string> {
  return {
    description: 'Ultralytics YOLO11n-seg model trained on oracle.yaml',
    author: 'Ultralytics',
    date: '2026-11-01T00:00:00.000000',
    version: '8.3.40',
    license: 'AGPL-3.0 License (https://ultralytics.com/license)',
    docs: 'https://docs.ultralytics.com',
    stride: '32',
    task: 'segment',
    batch: '1',
    imgsz: `[${imgsz}, ${imgsz}]`,
    names: pythonDictLiteral(names),
  };
}

/** `{0: 'person', 1: "cat's toy"}`: Python's repr of a dict of int -> str. */
export function pythonDictLiteral(names: readonly string[]): string {
  return `{${names.map((name, i) => `${i}: ${pythonStringRepr(name)}`).join(', ')}}`;
}

function pythonStringRepr(text: string): string {
  // repr() prefers single quotes and switches to double quotes when that avoids escaping.
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(quote === "'" ? /'/g : /"/g, `\\${quote}`);
  return `${quote}${escaped}${quote}`;
}

/** Nodes computing `zero = 0 * ReduceSum(input)` (a scalar) so the input is part of the graph. */
function touchInput(input: string, zero: string): NodeSpec[] {
  return [
    { op: 'ReduceSum', inputs: [input], outputs: [`${input}_sum`], attributes: { keepdims: { int: 0 } } },
    constantNode(`${input}_nought`, float32Tensor([], [0])),
    { op: 'Mul', inputs: [`${input}_sum`, `${input}_nought`], outputs: [zero] },
  ];
}

// ---- grids that make masks with a known answer ----

export interface Rect {
  /** Cell edges: cells with x0 <= x < x1 and y0 <= y < y1 are inside. */
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

export interface Disc {
  /** Cells whose centre (x + 0.5, y + 0.5) is within r of (cx, cy) are inside. */
  readonly cx: number;
  readonly cy: number;
  readonly r: number;
}

/** A width x height grid, `inside` over the rectangle's cells and `outside` elsewhere. */
export function rectGrid(width: number, height: number, rect: Rect, inside = 1, outside = 0): Float32Array {
  return fillGrid(width, height, (x, y) => x >= rect.x0 && x < rect.x1 && y >= rect.y0 && y < rect.y1, inside, outside);
}

export function discGrid(width: number, height: number, disc: Disc, inside = 1, outside = 0): Float32Array {
  return fillGrid(width, height, (x, y) => (x + 0.5 - disc.cx) ** 2 + (y + 0.5 - disc.cy) ** 2 <= disc.r ** 2, inside, outside);
}

/** A 28x28 Mask R-CNN probability grid: 1 inside the rectangle (in 28x28 cell units), 0 outside. */
export function rectMask28(rect: Rect): Float32Array {
  return rectGrid(MASK_RCNN_MASK_SIZE, MASK_RCNN_MASK_SIZE, rect);
}

export function discMask28(disc: Disc): Float32Array {
  return discGrid(MASK_RCNN_MASK_SIZE, MASK_RCNN_MASK_SIZE, disc);
}

/** Saturating logits (sigmoid(8) = 0.99966, sigmoid(-8) = 0.00034): thresholds at 0.5 give exact masks. */
export const PROTO_INSIDE = 8;
export const PROTO_OUTSIDE = -8;

export function rectProto(size: number, rect: Rect): Float32Array {
  return rectGrid(size, size, rect, PROTO_INSIDE, PROTO_OUTSIDE);
}

export function discProto(size: number, disc: Disc): Float32Array {
  return discGrid(size, size, disc, PROTO_INSIDE, PROTO_OUTSIDE);
}

/** Stacks equal-sized channels into one [channels, ...] array. */
export function stackChannels(channels: readonly Float32Array[]): Float32Array {
  const size = channels[0]?.length ?? 0;
  const out = new Float32Array(channels.length * size);
  channels.forEach((channel, i) => {
    if (channel.length !== size) throw new Error('channels must have equal sizes');
    out.set(channel, i * size);
  });
  return out;
}

/** Coefficients selecting one proto channel: mask logit = that channel's logit map. */
export function oneHot(length: number, index: number, value = 1): number[] {
  return Array.from({ length }, (_, i) => (i === index ? value : 0));
}

/** The expected binary grid (0/1) of a {@link rectGrid} / {@link discGrid}, for assertions. */
export function binarize(grid: Float32Array, threshold = 0.5): Uint8Array {
  return Uint8Array.from(grid, (value) => (value > threshold ? 1 : 0));
}

function fillGrid(width: number, height: number, isInside: (x: number, y: number) => boolean, inside: number, outside: number): Float32Array {
  const grid = new Float32Array(width * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) grid[y * width + x] = isInside(x, y) ? inside : outside;
  }
  return grid;
}
