// Precision/recall curves of a COCO evaluation as a small SVG chart: one panel per IoU type,
// curves at IoU 0.50, 0.75 and the mean over 0.50:0.95 (area all, largest maxDet, averaged
// over the categories that have ground truth), as detectron2 / pycocotools users plot them.
import type { CocoEvalResult, IouType } from '../eval/coco-eval.js';
import { precisionIndex } from '../eval/accumulate.js';

type Evaluation = NonNullable<CocoEvalResult[IouType]>;

const PANEL = { width: 360, height: 300, left: 48, right: 16, top: 28, bottom: 40 };
const CURVES = [
  { label: 'IoU 0.50', color: '#1f77b4', thresholds: (ious: readonly number[]) => ious.flatMap((iou, t) => (close(iou, 0.5) ? [t] : [])) },
  { label: 'IoU 0.75', color: '#ff7f0e', thresholds: (ious: readonly number[]) => ious.flatMap((iou, t) => (close(iou, 0.75) ? [t] : [])) },
  { label: 'IoU 0.50:0.95', color: '#2ca02c', thresholds: (ious: readonly number[]) => ious.map((_, t) => t) },
];

/** Mean precision at each recall threshold over the given IoU indices and evaluated categories. */
export function precisionCurve(evaluation: Evaluation, iouIndices: readonly number[]): number[] {
  const { accumulated: acc } = evaluation;
  const { shape } = acc;
  const m = shape.M - 1;
  return Array.from({ length: shape.R }, (_, r) => {
    let sum = 0;
    let count = 0;
    for (const t of iouIndices) {
      for (let k = 0; k < shape.K; k++) {
        const value = acc.precision[precisionIndex(shape, t, r, k, 0, m)];
        if (value > -1) {
          sum += value;
          count++;
        }
      }
    }
    return count === 0 ? 0 : sum / count;
  });
}

export function prPlotSvg(result: CocoEvalResult, title = 'maskserve eval'): string {
  const evaluations = Object.values(result).filter((value): value is Evaluation => value !== undefined);
  const width = PANEL.width * Math.max(1, evaluations.length);
  const height = PANEL.height + 24;
  const panels = evaluations.map((evaluation, index) => panel(evaluation, index * PANEL.width));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="18" font-size="14" text-anchor="middle">${escapeXml(title)}</text>`,
    `<g transform="translate(0 24)">${panels.join('')}</g>`,
    '</svg>',
  ].join('\n');
}

function panel(evaluation: Evaluation, offsetX: number): string {
  const plotW = PANEL.width - PANEL.left - PANEL.right;
  const plotH = PANEL.height - PANEL.top - PANEL.bottom;
  const x = (recall: number) => offsetX + PANEL.left + recall * plotW;
  const y = (precision: number) => PANEL.top + (1 - precision) * plotH;
  const recalls = evaluation.params.recThrs;
  const parts: string[] = [
    `<text x="${offsetX + PANEL.width / 2}" y="16" font-size="12" text-anchor="middle">${evaluation.iouType}: AP ${fmt(evaluation.metrics.AP)}, AP50 ${fmt(evaluation.metrics.AP50)}</text>`,
    `<rect x="${x(0)}" y="${y(1)}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
  ];
  for (const tick of [0, 0.2, 0.4, 0.6, 0.8, 1]) {
    parts.push(`<line x1="${x(tick)}" y1="${y(0)}" x2="${x(tick)}" y2="${y(0) + 4}" stroke="#888"/>`);
    parts.push(`<text x="${x(tick)}" y="${y(0) + 16}" font-size="10" text-anchor="middle">${tick.toFixed(1)}</text>`);
    parts.push(`<line x1="${x(0) - 4}" y1="${y(tick)}" x2="${x(0)}" y2="${y(tick)}" stroke="#888"/>`);
    parts.push(`<text x="${x(0) - 6}" y="${y(tick) + 3}" font-size="10" text-anchor="end">${tick.toFixed(1)}</text>`);
  }
  parts.push(`<text x="${x(0.5)}" y="${y(0) + 32}" font-size="11" text-anchor="middle">recall</text>`);
  parts.push(`<text transform="translate(${offsetX + 12} ${y(0.5)}) rotate(-90)" font-size="11" text-anchor="middle">precision</text>`);
  CURVES.forEach((curve, index) => {
    const precision = precisionCurve(evaluation, curve.thresholds(evaluation.params.iouThrs));
    const points = precision.map((p, r) => `${x(recalls[r]).toFixed(1)},${y(p).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${points}" fill="none" stroke="${curve.color}" stroke-width="1.5"/>`);
    const legendY = y(0.05) - index * 14;
    parts.push(`<line x1="${x(0.62)}" y1="${legendY - 4}" x2="${x(0.7)}" y2="${legendY - 4}" stroke="${curve.color}" stroke-width="2"/>`);
    parts.push(`<text x="${x(0.72)}" y="${legendY}" font-size="10">${curve.label}</text>`);
  });
  return parts.join('\n');
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-9;
}

function fmt(value: number): string {
  return value < 0 ? 'n/a' : value.toFixed(3);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
