// Saving files. Everything is produced in the browser from the current view (filters included):
// the annotated PNG is the photo plus the overlay composed at full resolution.
import { drawOverlay, type PreparedInstance, type Scale } from './overlay.js';
import type { ViewState } from './view-state.js';

/** Photo + overlay at the image's own resolution; the highlight is left out of the export. */
export function annotatedPng(photo: HTMLCanvasElement, visible: readonly PreparedInstance[], view: ViewState, scale: Scale): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = photo.width;
  canvas.height = photo.height;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(photo, 0, 0);
  drawOverlay(ctx, visible, { ...view, focusedId: null }, scale);
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The browser could not encode the PNG.'))), 'image/png');
  });
}

export function jsonBlob(value: unknown): Blob {
  return new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: 'application/json' });
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
