// Where the image bytes of a request come from: one multipart file, a raw image body, or a URL
// (JSON body or query) fetched through the SSRF-safe fetcher. Everything stays in memory: no
// temp files, and nothing is shared between concurrent requests.
import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/multipart'; // request.isMultipart() / parts() typings
import { isMaskserveError, MaskserveError } from '../errors.js';
import { fetchImageBytes, type FetchPolicy } from '../input/fetch-url.js';
import { formatBytes } from '../format-bytes.js';

export const FILE_FIELD = 'file';

export interface ImageRequest {
  /** Option fields sent alongside the image (multipart fields or JSON properties). */
  readonly fields: Readonly<Record<string, unknown>>;
  /** The image bytes; lazy so a URL is fetched only after the options were validated. */
  readonly bytes: () => Promise<Uint8Array>;
}

export interface InputLimits {
  readonly maxUploadBytes: number;
  readonly fetchPolicy: Partial<FetchPolicy>;
}

export async function readImageRequest(request: FastifyRequest, limits: InputLimits): Promise<ImageRequest> {
  if (request.isMultipart()) return readMultipart(request, limits);
  const body: unknown = request.body;
  if (Buffer.isBuffer(body)) {
    const bytes = nonEmpty(body, 'The request body is empty; send the image bytes.');
    return { fields: {}, bytes: async () => bytes };
  }
  if (isPlainObject(body)) {
    const { url, ...fields } = body;
    return { fields, bytes: () => fetchUrl(url, limits) };
  }
  throw new MaskserveError(
    'INVALID_REQUEST',
    'No image in the request. Send multipart/form-data with the field "file", a raw image/* body, or JSON {"url": "https://..."}.',
  );
}

/** GET /detect?url=… and JSON {"url"}: the URL is validated and fetched by the SSRF-safe fetcher. */
export async function fetchUrl(url: unknown, limits: InputLimits): Promise<Uint8Array> {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new MaskserveError('INVALID_REQUEST', 'Expected an http(s) URL for url but received nothing');
  }
  const policy = { maxBytes: limits.maxUploadBytes, ...limits.fetchPolicy };
  return nonEmpty(await fetchImageBytes(url.trim(), policy), 'The URL returned an empty body.');
}

async function readMultipart(request: FastifyRequest, limits: InputLimits): Promise<ImageRequest> {
  try {
    return await readParts(request, limits);
  } catch (error) {
    throw malformedMultipart(error);
  }
}

/**
 * busboy's parse errors ("Boundary not found", "Unexpected end of form", "Malformed part
 * header") carry no code: they are the client's malformed body, not a server fault. Coded errors
 * (ours, @fastify/multipart's limits) keep their meaning.
 */
function malformedMultipart(error: unknown): unknown {
  if (isMaskserveError(error) || typeof (error as { code?: unknown })?.code === 'string') return error;
  const reason = error instanceof Error ? error.message.replace(/^Multipart: /, '') : String(error);
  return new MaskserveError('INVALID_REQUEST', `The multipart/form-data body is malformed (${reason.slice(0, 100)}); send a form with the image in the field "file".`, {}, { cause: error });
}

async function readParts(request: FastifyRequest, limits: InputLimits): Promise<ImageRequest> {
  let bytes: Uint8Array | undefined;
  const fields: Record<string, unknown> = {};
  for await (const part of request.parts()) {
    if (part.type === 'field') {
      if (part.valueTruncated) {
        throw new MaskserveError('INVALID_REQUEST', `The form field ${JSON.stringify(part.fieldname)} is too long.`);
      }
      fields[part.fieldname] = part.value;
      continue;
    }
    if (part.fieldname !== FILE_FIELD) {
      part.file.resume(); // drain it so busboy can continue to the error response
      throw new MaskserveError('INVALID_REQUEST', `Unexpected file field ${JSON.stringify(part.fieldname)}; send the image in the field "file".`);
    }
    bytes = nonEmpty(await readFilePart(part.file, limits.maxUploadBytes), 'The uploaded file is empty.');
  }
  if (bytes === undefined) {
    throw new MaskserveError('INVALID_REQUEST', 'The form has no file; upload the image in the field "file".');
  }
  const image = bytes;
  return { fields, bytes: async () => image };
}

/**
 * The file's bytes, or PAYLOAD_TOO_LARGE the moment the limit is passed. (busboy truncates an
 * over-limit file but goes on reading and discarding until the part's closing boundary: a body
 * that never sends one would be read until the request timeout without an answer.)
 */
function readFilePart(file: Readable, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    file.on('data', (chunk: Buffer) => chunks.push(chunk));
    file.once('limit', () => {
      file.removeAllListeners('data');
      chunks.length = 0;
      reject(new MaskserveError('PAYLOAD_TOO_LARGE', `The upload is larger than the ${formatBytes(maxBytes)} limit.`));
    });
    file.once('end', () => resolve(Buffer.concat(chunks)));
    file.once('error', reject);
  });
}

function nonEmpty(bytes: Uint8Array, message: string): Uint8Array {
  if (bytes.byteLength === 0) throw new MaskserveError('EMPTY_INPUT', message);
  return bytes;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}
