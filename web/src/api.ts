// Talking to the maskserve API. One segmentation request per input (score floor
// REQUEST_THRESHOLD, RLE masks): everything after that is filtered locally. Uploads go through
// XMLHttpRequest because fetch still cannot report upload progress.
import { REQUEST_THRESHOLD } from './view-state.js';
import type { ModelInfo, Problem, ResultJson, Sample } from './types.js';

const SEGMENT_URL = `/api/v1/segment?threshold=${REQUEST_THRESHOLD}&maskFormat=rle`;
/** The oriented photo without drawings; threshold 1 keeps the (wasted) encoding work minimal. */
const PLAIN_IMAGE_URL = '/api/v1/segment?format=png&masks=false&boxes=false&labels=false&threshold=1&maxDetections=1';

/** An input to segment: a file (upload, drop, paste, sample) or a URL the server fetches. */
export type ImageInput = { readonly kind: 'file'; readonly file: Blob; readonly name: string } | { readonly kind: 'url'; readonly url: string };

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | undefined;

  constructor(message: string, status: number, problem?: Problem) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

export interface UploadCallbacks {
  /** Fraction of the request body sent, 0..1 (only for file inputs). */
  onUploadProgress(fraction: number): void;
  /** The whole file is sent; the server is now decoding it and running the model. */
  onUploaded(): void;
}

/** POST /api/v1/segment, resolving to the result JSON; abort() rejects with an AbortError. */
export function segment(input: ImageInput, callbacks: UploadCallbacks, signal: AbortSignal): Promise<ResultJson> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', SEGMENT_URL);
    xhr.setRequestHeader('Accept', 'application/json');
    if (input.kind === 'file') {
      // Only uploads report progress; a URL request's tiny JSON body would flash "running" early.
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable && event.total > 0) callbacks.onUploadProgress(event.loaded / event.total);
      };
      xhr.upload.onload = () => callbacks.onUploaded();
    }
    xhr.onload = () => {
      if (xhr.status === 200) {
        try {
          resolve(JSON.parse(xhr.responseText) as ResultJson);
        } catch {
          reject(new ApiError('The server answered with something that is not a result.', xhr.status));
        }
      } else {
        reject(problemError(xhr.status, xhr.responseText, xhr.getResponseHeader('retry-after')));
      }
    };
    xhr.onerror = () => reject(new ApiError('Could not reach the server. Check your connection and try again.', 0));
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => reject(new DOMException('Request aborted', 'AbortError'));
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    if (input.kind === 'file') {
      xhr.send(formWith(input.file, input.name));
    } else {
      xhr.setRequestHeader('Content-Type', 'application/json');
      xhr.send(JSON.stringify({ url: input.url }));
    }
  });
}

/**
 * The photo as the server decoded it (EXIF orientation applied), for inputs the browser cannot
 * show itself: URLs (the browser must not fetch them: no CORS, and the server's SSRF rules would
 * be bypassed) and formats it cannot decode (e.g. TIFF).
 */
export async function plainImage(input: ImageInput, signal: AbortSignal): Promise<Blob> {
  const body = input.kind === 'file' ? formWith(input.file, input.name) : JSON.stringify({ url: input.url });
  const headers: Record<string, string> = { Accept: 'image/png' };
  if (input.kind === 'url') headers['Content-Type'] = 'application/json';
  const response = await fetch(PLAIN_IMAGE_URL, { method: 'POST', body, headers, signal });
  if (!response.ok) throw problemError(response.status, await response.text(), response.headers.get('retry-after'));
  return response.blob();
}

export async function fetchModels(): Promise<ModelInfo[]> {
  const response = await fetch('/api/v1/models', { headers: { Accept: 'application/json' } });
  if (!response.ok) throw problemError(response.status, await response.text(), null);
  return ((await response.json()) as { models: ModelInfo[] }).models;
}

/** Sample images; an empty list when the server offers none (or is older than the endpoint). */
export async function fetchSamples(): Promise<Sample[]> {
  const response = await fetch('/api/v1/samples', { headers: { Accept: 'application/json' } });
  if (!response.ok) return [];
  return ((await response.json()) as { samples: Sample[] }).samples;
}

function formWith(file: Blob, name: string): FormData {
  const form = new FormData();
  form.append('file', file, name);
  return form;
}

/** A readable message from an RFC 9457 body: "<title> (HTTP <status>): <detail>". */
export function problemError(status: number, body: string, retryAfter: string | null): ApiError {
  let problem: Problem | undefined;
  try {
    const parsed = JSON.parse(body) as Partial<Problem>;
    if (parsed && typeof parsed === 'object') problem = { ...parsed, status };
  } catch {
    // Not JSON (a proxy's HTML page, say): fall back to the status alone.
  }
  const title = problem?.title ?? 'Request failed';
  const detail = problem?.detail ? `: ${problem.detail}` : '.';
  const wait = retryAfter ?? (problem?.retryAfter !== undefined ? String(problem.retryAfter) : null);
  const retry = wait !== null ? ` Retry in ${wait} s.` : '';
  return new ApiError(`${title} (HTTP ${status})${detail}${retry}`, status, problem);
}
