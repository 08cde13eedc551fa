// The picture under the overlay, in the frame the masks are in (result.image). A file is decoded
// by the browser with its EXIF orientation applied, exactly like the server does, so it normally
// lines up as is. URLs (never fetched by the browser itself) and files the browser cannot decode
// or decodes to another size come from the server instead: one plain-image request (PNG, no
// drawings) that returns the server's own decoded frame.
import { plainImage, type ImageInput } from './api.js';

export interface Photo {
  /** null: nothing could be shown, the caller paints a neutral background. */
  readonly source: ImageBitmap | null;
  /** A sentence for the user when the picture is not the original file as decoded here. */
  readonly note?: string;
}

export async function loadPhoto(input: ImageInput, size: { width: number; height: number }, signal: AbortSignal): Promise<Photo> {
  if (input.kind === 'file') {
    const local = await decode(input.file);
    if (local && fits(local, size)) return { source: local };
    local?.close();
  }
  try {
    const remote = await decode(await plainImage(input, signal));
    if (remote && fits(remote, size)) return { source: remote };
    // Should not happen (same decoder); drawn stretched to the result's frame rather than refused.
    if (remote) return { source: remote, note: 'The image was scaled to match the detection frame.' };
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
  }
  return { source: null, note: 'The image itself could not be displayed; the masks are drawn on a plain background.' };
}

async function decode(blob: Blob): Promise<ImageBitmap | null> {
  try {
    // from-image: apply EXIF orientation, as the server does before inference.
    return await createImageBitmap(blob, { imageOrientation: 'from-image' });
  } catch {
    return null;
  }
}

function fits(bitmap: ImageBitmap, size: { width: number; height: number }): boolean {
  return bitmap.width === size.width && bitmap.height === size.height;
}
