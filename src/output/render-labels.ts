// Label tags ("person 98%" on a filled background) as small SVG snippets that sharp
// (librsvg + pango) rasterises and composites. Class names come from model cards and user
// files, so every string is XML-escaped and stripped of characters XML cannot carry.
import { cssColor, textColorOn, type Rgb } from './colors.js';

export const LABEL_FONT_FAMILY = 'DejaVu Sans, sans-serif';

/** A label ready to composite: its SVG and where its top-left corner goes. */
export interface PlacedLabel {
  readonly svg: string;
  readonly left: number;
  readonly top: number;
}

export interface LabelBox {
  readonly width: number;
  readonly height: number;
  readonly padX: number;
  readonly textWidth: number;
}

/** Escapes the five XML specials and replaces code points XML 1.0 forbids with U+FFFD. */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** "person 98%": the score as a whole percentage, never rounded up to a false 100%. */
export function labelText(name: string, score: number): string {
  const percent = Math.min(Math.round(score * 100), score < 1 ? 99 : 100);
  return `${name} ${Math.max(0, percent)}%`;
}

/**
 * Width of `text` in DejaVu Sans at `fontSize`, from the font's advance widths grouped by
 * shape (em units). Exactness is not needed: the SVG pins the text to this width with
 * textLength, so the tag always fits its background whichever font pango picks.
 */
export function estimateTextWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const char of text) {
    if (/[il.,:;'|!ijtf\s]/.test(char)) em += 0.32;
    else if (/[mwMW%@]/.test(char)) em += 0.95;
    else if (/[A-Z]/.test(char)) em += 0.72;
    else if (/[\u1100-\u11FF\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFF00-\uFF60]/.test(char)) em += 1; // CJK, full width
    else em += 0.62;
  }
  return Math.ceil(em * fontSize);
}

export function measureLabel(text: string, fontSize: number): LabelBox {
  const textWidth = Math.max(1, estimateTextWidth(text, fontSize));
  const padX = Math.max(2, Math.round(fontSize * 0.35));
  return { width: textWidth + 2 * padX, height: Math.round(fontSize * 1.45), padX, textWidth };
}

/**
 * The tag as an SVG of exactly width x height pixels. When the canvas is smaller than the
 * tag, the SVG is cut to the canvas (sharp refuses overlays larger than the base image).
 */
export function labelSvg(text: string, background: Rgb, fontSize: number, box: LabelBox, maxWidth: number, maxHeight: number): string {
  const width = Math.max(1, Math.min(box.width, maxWidth));
  const height = Math.max(1, Math.min(box.height, maxHeight));
  const radius = Math.round(fontSize * 0.2);
  const baseline = Math.round(box.height / 2 + fontSize * 0.36); // DejaVu cap height ~0.73 em, centred
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<rect x="0" y="0" width="${box.width}" height="${box.height}" rx="${radius}" fill="${cssColor(background)}" fill-opacity="0.9"/>` +
    `<text x="${box.padX}" y="${baseline}" font-family="${LABEL_FONT_FAMILY}" font-size="${fontSize}" ` +
    `textLength="${box.textWidth}" lengthAdjust="spacingAndGlyphs" fill="${cssColor(textColorOn(background))}">` +
    `${escapeXml(text)}</text></svg>`
  );
}
