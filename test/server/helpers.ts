// Shared fixtures for the server tests: real ONNX models (oracle graphs written to a temp dir and
// loaded through the real pipeline and worker pool), images, loopback servers, a canary.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { loadModel, type LoadedModel } from '../../src/pipeline.js';
import { createInferencePool, type InferencePool } from '../../src/runtime/worker-pool.js';
import { buildApp, type BuildAppOptions } from '../../src/server/app.js';
import { loadServerConfig, type ServerConfig } from '../../src/server/config.js';
import { constantNode, float32Tensor, int64Tensor, writeModel } from '../../src/onnx/writer.js';
import { buildMaskRcnnOracle, rectMask28 } from '../helpers/oracle-models.js';

export const TMP_PREFIX = 'maskserve-server-test-';

/** Our temp dirs currently present (must be none after a test file finishes). */
export async function leftoverTempDirs(): Promise<string[]> {
  return (await readdir(tmpdir())).filter((name) => name.startsWith(TMP_PREFIX));
}

/**
 * Keeps the network input small (short side 48, long side <= 64): a 64x48 photo is fed at scale 1,
 * so boxes are in photo pixels and preprocessing stays cheap on a busy test machine.
 */
export const SMALL_INPUT_METADATA = Object.freeze({ 'maskserve.min_size': '48', 'maskserve.max_size': '64' });

/** Two COCO detections (person, dog) with square masks; boxes in 64x48 photo pixels. */
export function oracleModelBytes(): Uint8Array {
  const full = rectMask28({ x0: 4, y0: 4, x1: 24, y1: 24 });
  return buildMaskRcnnOracle({
    metadata: SMALL_INPUT_METADATA,
    boxes: [
      [4, 4, 36, 40],
      [36, 8, 60, 44],
    ],
    labels: [1, 17], // zoo contiguous ids: 17 = dog (COCO category 18)
    scores: [0.95, 0.8],
    masks: [full, full],
  });
}

/**
 * The Mask R-CNN contract plus a chain of 256x256 MatMuls that depends on the input (so it cannot
 * be constant-folded): every run takes a while, which lets tests fill the queue for real.
 */
export function slowModelBytes(depth: number): Uint8Array {
  const size = 256;
  const chain = Array.from({ length: depth }, (_, i) => ({
    op: 'MatMul',
    inputs: [i === 0 ? 'x' : `h${i}`, 'w'],
    outputs: [i === depth - 1 ? 'y' : `h${i + 1}`],
  }));
  return writeModel({
    producerName: 'pytorch',
    metadata: SMALL_INPUT_METADATA,
    initializers: [float32Tensor([size, size], new Float32Array(size * size).fill(1 / size), 'w'), float32Tensor([size, size], new Float32Array(size * size).fill(1), 'ones')],
    nodes: [
      { op: 'ReduceSum', inputs: ['image'], outputs: ['image_sum'], attributes: { keepdims: { int: 0 } } },
      constantNode('nought', float32Tensor([], [0])),
      { op: 'Mul', inputs: ['image_sum', 'nought'], outputs: ['zero'] },
      { op: 'Add', inputs: ['ones', 'zero'], outputs: ['x'] },
      ...chain,
      { op: 'ReduceSum', inputs: ['y'], outputs: ['y_sum'], attributes: { keepdims: { int: 0 } } },
      { op: 'Mul', inputs: ['y_sum', 'nought'], outputs: ['y_zero'] },
      constantNode('boxes_const', float32Tensor([1, 4], [4, 4, 36, 40])),
      { op: 'Add', inputs: ['boxes_const', 'y_zero'], outputs: ['boxes'] },
      constantNode('labels', int64Tensor([1], [1])),
      constantNode('scores', float32Tensor([1], [0.9])),
      constantNode('masks', float32Tensor([1, 1, 28, 28], rectMask28({ x0: 4, y0: 4, x1: 24, y1: 24 }))),
    ],
    inputs: [{ name: 'image', type: 'float32', dims: [3, 'height', 'width'] }],
    outputs: [
      { name: 'boxes', type: 'float32', dims: ['nbox', 4] },
      { name: 'labels', type: 'int64', dims: ['nbox'] },
      { name: 'scores', type: 'float32', dims: ['nbox'] },
      { name: 'masks', type: 'float32', dims: ['nbox', 1, 28, 28] },
    ],
  });
}

export interface TestModels {
  readonly pool: InferencePool;
  readonly models: LoadedModel[];
  close(): Promise<void>;
}

/** Writes each model to a temp dir, loads it once through the real pool, removes the files. */
export async function loadTestModels(
  files: Readonly<Record<string, Uint8Array>>,
  pool: InferencePool = createInferencePool({ workers: 1, intraOpThreads: 1, maxQueue: 8 }),
): Promise<TestModels> {
  const dir = await mkdtemp(join(tmpdir(), TMP_PREFIX));
  try {
    const models: LoadedModel[] = [];
    for (const [name, bytes] of Object.entries(files)) {
      const path = join(dir, `${name}.onnx`);
      await writeFile(path, bytes);
      models.push(await loadModel(path, { pool }));
    }
    return { pool, models, close: () => pool.close() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function testConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  // A web root that does not exist: the server-rendered index page unless a test builds one.
  return loadServerConfig({}, { webRoot: join(tmpdir(), `${TMP_PREFIX}no-web-ui`), ...overrides });
}

export async function testApp(models: TestModels, options: Partial<BuildAppOptions> = {}): Promise<FastifyInstance> {
  return buildApp({ models: models.models, pool: models.pool, config: testConfig(), fetchPolicy: { allowLoopback: true }, ...options });
}

/** A JPEG/PNG test photo with some structure (not a flat colour). */
export async function photo(format: 'png' | 'jpeg' | 'webp' = 'png', width = 64, height = 48): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set([(i * 7) % 256, (i * 13) % 256, (i * 3) % 256], i * 3);
  return sharp(data, { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer();
}

export async function imageSize(bytes: Uint8Array): Promise<{ width?: number; height?: number; format?: string }> {
  return sharp(bytes).metadata();
}

export interface LoopbackServer {
  readonly url: string;
  readonly port: number;
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** Serves `body` with `contentType` on 127.0.0.1 (the allowLoopback test policy reaches it). */
export function imageServer(body: Uint8Array, contentType = 'image/png'): Promise<LoopbackServer> {
  const server = createHttpServer((_request, response) => {
    response.writeHead(200, { 'content-type': contentType, 'content-length': body.byteLength }).end(body);
  });
  return track(server);
}

/** Accepts TCP connections and records them; it must see none when SSRF protection works. */
export function canary(): Promise<LoopbackServer> {
  return track(createNetServer((socket) => socket.destroy()));
}

async function track(server: Server | ReturnType<typeof createNetServer>): Promise<LoopbackServer> {
  let count = 0;
  server.on('connection', () => count++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** multipart/form-data body with one file part and optional fields (what a browser form sends). */
export function multipartBody(file: { name?: string; bytes: Uint8Array; type?: string } | undefined, fields: Record<string, string> = {}) {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  if (file) form.append(file.name ?? 'file', new Blob([file.bytes], { type: file.type ?? 'image/png' }), 'photo.png');
  return form;
}
