// In-graph box arithmetic shared by the RPN and the box head, written in detectron2's operation
// order (Box2BoxTransform.apply_deltas, Boxes.clip, Boxes.nonempty) so float results agree.
import type { GraphBuilder } from '../../onnx/graph-builder.js';

/** detectron2's default scale clamp: log(1000 / 16). */
export const SCALE_CLAMP = Math.log(1000 / 16);

function lastAxis(g: GraphBuilder, x: string, start: number): string {
  return g.op('Slice', [x, g.ints([start]), g.ints([start + 1]), g.ints([-1])]);
}

/**
 * boxes [..., 4] xyxy and deltas [..., 4] (broadcastable) -> decoded boxes [..., 4].
 * widths = x2 - x1; ctr = x1 + 0.5 w; d = delta / weight; dw, dh clamped; exp(dw) * w ...
 */
export function applyDeltas(g: GraphBuilder, boxes: string, deltas: string, weights: readonly [number, number, number, number]): string {
  const [x1, y1, x2, y2] = [0, 1, 2, 3].map((i) => lastAxis(g, boxes, i));
  const half = g.scalarFloat(0.5);
  const widths = g.op('Sub', [x2, x1]);
  const heights = g.op('Sub', [y2, y1]);
  const ctrX = g.op('Add', [x1, g.op('Mul', [half, widths])]);
  const ctrY = g.op('Add', [y1, g.op('Mul', [half, heights])]);
  const [dx, dy, dwRaw, dhRaw] = [0, 1, 2, 3].map((i) => g.op('Div', [lastAxis(g, deltas, i), g.scalarFloat(weights[i])]));
  const clamp = g.scalarFloat(SCALE_CLAMP);
  const dw = g.op('Min', [dwRaw, clamp]);
  const dh = g.op('Min', [dhRaw, clamp]);
  const predCtrX = g.op('Add', [g.op('Mul', [dx, widths]), ctrX]);
  const predCtrY = g.op('Add', [g.op('Mul', [dy, heights]), ctrY]);
  const predW = g.op('Mul', [g.op('Exp', [dw]), widths]);
  const predH = g.op('Mul', [g.op('Exp', [dh]), heights]);
  const halfW = g.op('Mul', [half, predW]);
  const halfH = g.op('Mul', [half, predH]);
  return g.op(
    'Concat',
    [g.op('Sub', [predCtrX, halfW]), g.op('Sub', [predCtrY, halfH]), g.op('Add', [predCtrX, halfW]), g.op('Add', [predCtrY, halfH])],
    { axis: { int: -1 } },
  );
}

/** Boxes.clip: x to [0, width], y to [0, height]; `limits` is float [4] = [w, h, w, h]. */
export function clipBoxes(g: GraphBuilder, boxes: string, limits: string): string {
  return g.op('Min', [g.op('Max', [boxes, g.scalarFloat(0)]), limits]);
}

/** Boxes.nonempty(threshold): bool [N] for boxes [N, 4]. */
export function nonEmpty(g: GraphBuilder, boxes: string, threshold: number): string {
  const t = g.scalarFloat(threshold);
  const w = g.op('Sub', [lastAxis(g, boxes, 2), lastAxis(g, boxes, 0)]);
  const h = g.op('Sub', [lastAxis(g, boxes, 3), lastAxis(g, boxes, 1)]);
  const keep = g.op('And', [g.op('Greater', [w, t]), g.op('Greater', [h, t])]);
  return g.op('Reshape', [keep, g.ints([-1])]);
}

/** Rows of `x` at int64 `indices` (axis 0). */
export function gatherRows(g: GraphBuilder, x: string, indices: string): string {
  return g.op('Gather', [x, indices], { axis: { int: 0 } });
}

/** int64 [1] = min(k, length of x along axis 0): a TopK size that never exceeds the input. */
export function boundedCount(g: GraphBuilder, x: string, k: number): string {
  const length = g.op('Slice', [g.op('Shape', [x]), g.ints([0]), g.ints([1])]);
  return g.op('Min', [length, g.ints([k])]);
}

/** Indices [n] where bool `mask` [N] holds. */
export function whereTrue(g: GraphBuilder, mask: string): string {
  return g.op('Reshape', [g.op('NonZero', [mask]), g.ints([-1])]);
}

/** Top-k (descending) of a 1-D float tensor: [values, int64 indices], k bounded by its length. */
export function topK(g: GraphBuilder, scores: string, k: number): [string, string] {
  const [values, indices] = g.opN('TopK', [scores, boundedCount(g, scores, k)], 2, { axis: { int: 0 }, largest: { int: 1 }, sorted: { int: 1 } });
  return [values, indices];
}
