// Precision-recall curves from COCOeval's precision array, drawn as a hand-written SVG:
// one panel per IoU type with three curves (IoU=.50, IoU=.75, mean over .50:.95), area "all",
// maxDets 100. Precision at each of the 101 recall thresholds is averaged over categories,
// skipping -1 (no ground truth), the same way AP itself is averaged.
import { precisionIndex } from './accumulate.js';
import type { CocoEvalResult, IouTypeEvaluation } from './coco-eval.js';
import { meanAboveMinusOne } from './numeric.js';

export interface PrCurve {
  readonly label: string;
  /** The mean of `precision` over recall thresholds (> -1), i.e. the AP this curve shows. */
  readonly ap: number;
  readonly recall: readonly number[];
  /** null where no category has ground truth (the curve is not drawn there). */
  readonly precision: readonly (number | null)[];
}

/** The three standard curves of one IoU type, optionally for one category only. */
export function precisionRecallCurves(evaluation: IouTypeEvaluation, options: { categoryId?: number } = {}): PrCurve[] {
  const { params, accumulated } = evaluation;
  const { shape, precision } = accumulated;
  const a = Math.max(0, params.areaRngLbl.indexOf('all'));
  const m100 = params.maxDets.indexOf(100);
  const m = m100 >= 0 ? m100 : shape.M - 1;
  const categories = options.categoryId === undefined ? [...params.catIds.keys()] : [params.catIds.indexOf(options.categoryId)];
  if (categories.some((k) => k < 0)) return [];
  const all = [...params.iouThrs.keys()];
  const curve = (label: string, thresholds: number[]): PrCurve => {
    const values: (number | null)[] = params.recThrs.map((_, r) => {
      const at: number[] = [];
      for (const t of thresholds) for (const k of categories) at.push(precision[precisionIndex(shape, t, r, k, a, m)]);
      const mean = meanAboveMinusOne(at);
      return mean === -1 ? null : mean;
    });
    const known = values.filter((v): v is number => v !== null);
    return { label, ap: known.length ? meanAboveMinusOne(known) : -1, recall: params.recThrs, precision: values };
  };
  const at = (thr: number): number[] => all.filter((t) => params.iouThrs[t] === thr);
  const first = params.iouThrs[0].toFixed(2);
  const last = params.iouThrs[params.iouThrs.length - 1].toFixed(2);
  return [curve('IoU=0.50', at(0.5)), curve('IoU=0.75', at(0.75)), curve(`IoU=${first}:${last}`, all)];
}

export interface PrPlotOptions {
  /** Size of one panel in SVG pixels (default 420 x 360). */
  readonly panelWidth?: number;
  readonly panelHeight?: number;
  readonly categoryId?: number;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c'];
const MARGIN = { left: 56, right: 16, top: 40, bottom: 48 };
const TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

/** One SVG with a panel per evaluated IoU type (bbox then segm). */
export function precisionRecallSvg(result: CocoEvalResult, options: PrPlotOptions = {}): string {
  const width = options.panelWidth ?? 420;
  const height = options.panelHeight ?? 360;
  const evaluations = (['bbox', 'segm'] as const).flatMap((type) => (result[type] ? [result[type]] : []));
  const panels = evaluations.map((evaluation, i) =>
    panelSvg(evaluation.iouType, precisionRecallCurves(evaluation, options), i * width, width, height),
  );
  const total = Math.max(1, evaluations.length) * width;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="${height}" viewBox="0 0 ${total} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${total}" height="${height}" fill="#ffffff"/>`,
    ...panels,
    evaluations.length === 0 ? `<text x="${total / 2}" y="${height / 2}" text-anchor="middle">no evaluation</text>` : '',
    '</svg>',
  ].join('\n');
}

function panelSvg(title: string, curves: readonly PrCurve[], x0: number, width: number, height: number): string {
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const px = (recall: number): string => (x0 + MARGIN.left + recall * plotW).toFixed(2);
  const py = (precision: number): string => (MARGIN.top + (1 - precision) * plotH).toFixed(2);
  const parts: string[] = [`<g class="panel" data-iou-type="${escapeXml(title)}">`];
  parts.push(`<text x="${x0 + width / 2}" y="${MARGIN.top / 2 + 4}" text-anchor="middle" font-size="14">${escapeXml(`${title}: precision / recall (area all, maxDets 100)`)}</text>`);
  // Grid and ticks: light lines at every 0.2 on both axes.
  for (const tick of TICKS) {
    parts.push(`<line x1="${px(tick)}" y1="${py(0)}" x2="${px(tick)}" y2="${py(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<line x1="${px(0)}" y1="${py(tick)}" x2="${px(1)}" y2="${py(tick)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${px(tick)}" y="${Number(py(0)) + 16}" text-anchor="middle">${tick.toFixed(1)}</text>`);
    parts.push(`<text x="${Number(px(0)) - 6}" y="${Number(py(tick)) + 4}" text-anchor="end">${tick.toFixed(1)}</text>`);
  }
  parts.push(`<rect x="${px(0)}" y="${py(1)}" width="${plotW}" height="${plotH}" fill="none" stroke="#333333"/>`);
  parts.push(`<text x="${x0 + MARGIN.left + plotW / 2}" y="${height - 10}" text-anchor="middle">recall</text>`);
  const yMid = MARGIN.top + plotH / 2;
  parts.push(`<text x="${x0 + 16}" y="${yMid}" text-anchor="middle" transform="rotate(-90 ${x0 + 16} ${yMid})">precision</text>`);
  curves.forEach((curve, i) => {
    const d = pathData(curve, px, py);
    if (d) parts.push(`<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2"/>`);
  });
  // Legend in the lower left, where PR curves are rarely drawn, on a veil so crossings stay legible.
  if (curves.length > 0) {
    const top = MARGIN.top + plotH - 12 - (curves.length - 1) * 18 - 14;
    parts.push(`<rect x="${x0 + MARGIN.left + 4}" y="${top}" width="190" height="${curves.length * 18 + 6}" fill="#ffffff" fill-opacity="0.85"/>`);
  }
  curves.forEach((curve, i) => {
    const y = MARGIN.top + plotH - 12 - (curves.length - 1 - i) * 18;
    const x = x0 + MARGIN.left + 10;
    const ap = curve.ap < 0 ? 'n/a' : curve.ap.toFixed(3);
    parts.push(`<line x1="${x}" y1="${y - 4}" x2="${x + 18}" y2="${y - 4}" stroke="${COLORS[i % COLORS.length]}" stroke-width="2"/>`);
    parts.push(`<text x="${x + 24}" y="${y}">${escapeXml(`${curve.label} (AP ${ap})`)}</text>`);
  });
  parts.push('</g>');
  return parts.join('\n');
}

/** "M x y L x y ..." with a new "M" after every gap (recall points without ground truth). */
function pathData(curve: PrCurve, px: (v: number) => string, py: (v: number) => string): string {
  const commands: string[] = [];
  let pen = false;
  curve.recall.forEach((recall, r) => {
    const precision = curve.precision[r];
    if (precision === null || precision === undefined) {
      pen = false;
      return;
    }
    commands.push(`${pen ? 'L' : 'M'}${px(recall)} ${py(precision)}`);
    pen = true;
  });
  return commands.join(' ');
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
