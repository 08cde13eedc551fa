// Saving files. Everything is produced in the browser from the current view (filters included):
// the annotated PNG is the photo plus the overlay composed at full resolution.
import type { OUTPUT_FORMATS } from '../../src/output/formats.js';
import { drawOverlay, type PreparedInstance, type Scale } from './overlay.js';
import type { ViewState } from './view-state.js';

type Formats = typeof OUTPUT_FORMATS;
type DownloadFormat = 'png' | 'json' | 'coco';

/**
 * The output formats the downloads produce, as the server's format table (src/output/formats.ts)
 * defines them: checked against it at compile time, without bundling the server's encoders.
 */
export const DOWNLOADS: { readonly [K in DownloadFormat]: { readonly mediaType: Formats[K]['mediaType']; readonly suffix: `-${string}.${Formats[K]['extension']}` } } = {
  png: { mediaType: 'image/png', suffix: '-annotated.png' },
  json: { mediaType: 'application/json', suffix: '-result.json' },
  coco: { mediaType: 'application/json', suffix: '-coco.json' },
};

/** Photo + overlay at the image's own resolution; the highlight is left out of the export. */
export function annotatedPng(photo: HTMLCanvasElement, visible: readonly PreparedInstance[], view: ViewState, scale: Scale): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = photo.width;
  canvas.height = photo.height;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(photo, 0, 0);
  drawOverlay(ctx, visible, { ...view, focusedId: null }, scale);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The browser could not encode the PNG.'))), DOWNLOADS.png.mediaType);
  });
}

export function jsonBlob(value: unknown): Blob {
  return new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: DOWNLOADS.json.mediaType });
}

/** Starts a download of `blob` as `fileName` (an <a download> click; the URL is freed afterwards). */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has taken its own reference by the next task; revoking then frees the memory.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
