// Checkpoint in -> named float32 tensors out, for the two forms detectron2 users hold:
//  - the model zoo's `.pkl`: a pickle of {"model": {name: numpy array}, "__author__": ...};
//  - training output `.pth`: a torch.save zip archive (<root>/data.pkl + <root>/data/<key> storages)
//    of {"model": state_dict, "optimizer": ..., "iteration": ...}.
// Both go through the allowlisted unpickler (pickle.ts): no Python, and nothing in the file can run.
import { readFile } from 'node:fs/promises';
import { MaskserveError } from '../errors.js';
import { PickleError, reconstructor, unpickle, type Buildable, type Reconstructor } from './pickle.js';
import { elementCount, ELEMENT_BYTES, fortranStrides, toFloat32, type ElementType, type WeightTensor } from './tensor-types.js';
import { readZipEntries } from './zip.js';

export type CheckpointForm = 'pkl' | 'pth';

export interface Checkpoint {
  readonly form: CheckpointForm;
  /** The model's weights by state-dict name ("backbone.bottom_up.stem.conv1.weight", ...). */
  readonly weights: ReadonlyMap<string, WeightTensor>;
  /** Scalar fields beside the model (e.g. "__author__", "iteration"), for provenance. */
  readonly extras: Readonly<Record<string, string | number | boolean>>;
}

// ---- numpy ---------------------------------------------------------------------------------

const NUMPY_TYPES: Readonly<Record<string, ElementType>> = Object.freeze({
  f8: 'float64',
  f4: 'float32',
  f2: 'float16',
  i8: 'int64',
  i4: 'int32',
  i2: 'int16',
  i1: 'int8',
  u1: 'uint8',
  b1: 'bool',
});

class NumpyDtype implements Buildable {
  littleEndian = true;
  constructor(readonly type: ElementType) {}
  setState(state: unknown): void {
    // (version, byteorder, subdescr, names, fields, elsize, alignment, flags)
    const order = Array.isArray(state) ? state[1] : undefined;
    if (order === '>') this.littleEndian = false;
  }
}

function numpyDtype(args: readonly unknown[]): NumpyDtype {
  const code = args[0];
  const key = typeof code === 'string' ? code.replace(/^[<>|=]/, '') : undefined;
  const type = key === undefined ? undefined : NUMPY_TYPES[key === '?' ? 'b1' : key];
  if (type === undefined) throw new PickleError(`numpy dtype ${JSON.stringify(code)} is not a numeric type`);
  const dtype = new NumpyDtype(type);
  if (typeof code === 'string' && code.startsWith('>')) dtype.littleEndian = false;
  return dtype;
}

/** A numpy array: data stays as bytes until the converter asks for float32. */
export class NumpyArray implements Buildable {
  shape: readonly number[] = [];
  dtype: NumpyDtype | undefined;
  fortran = false;
  bytes: Uint8Array = new Uint8Array(0);

  setState(state: unknown): void {
    // (version, shape, dtype, is_fortran, rawdata)
    if (!Array.isArray(state) || state.length < 5) throw new PickleError('numpy array state is not (version, shape, dtype, fortran, data)');
    const [, shape, dtype, fortran, raw] = state as unknown[];
    this.shape = dims(shape, 'numpy array shape');
    if (!(dtype instanceof NumpyDtype)) throw new PickleError('numpy array without a numeric dtype');
    this.dtype = dtype;
    this.fortran = fortran === true || fortran === 1;
    if (typeof raw === 'string') this.bytes = Uint8Array.from(raw, (c) => c.charCodeAt(0) & 0xff);
    else if (raw instanceof Uint8Array) this.bytes = raw;
    else throw new PickleError('numpy object arrays are not weights');
    if (this.bytes.length !== elementCount(this.shape) * ELEMENT_BYTES[dtype.type]) {
      throw new PickleError(`numpy array of shape [${this.shape.join(', ')}] has ${this.bytes.length} bytes of data`);
    }
  }

  toWeight(): WeightTensor {
    if (!this.dtype) throw new PickleError('numpy array never received its state');
    const strides = this.fortran ? fortranStrides(this.shape) : undefined;
    return { shape: this.shape, data: toFloat32(this.bytes, this.dtype.type, this.shape, { strides, littleEndian: this.dtype.littleEndian }) };
  }
}

function numpyFromBuffer(args: readonly unknown[]): NumpyArray {
  // numpy >= 1.16 with pickle protocol 5: _frombuffer(buffer, dtype, shape, order)
  const [buffer, dtype, shape, order] = args;
  const array = new NumpyArray();
  array.setState([1, shape, dtype, order === 'F', buffer]);
  return array;
}

function numpyScalar(args: readonly unknown[]): number {
  const [dtype, raw] = args;
  if (!(dtype instanceof NumpyDtype) || !(raw instanceof Uint8Array)) throw new PickleError('numpy scalar without dtype and bytes');
  return toFloat32(raw, dtype.type, [], { littleEndian: dtype.littleEndian })[0];
}

// ---- torch -----------------------------------------------------------------------------------

const TORCH_STORAGES: Readonly<Record<string, ElementType>> = Object.freeze({
  DoubleStorage: 'float64',
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  UntypedStorage: 'uint8',
});

interface StorageType extends Reconstructor {
  readonly elementType: ElementType;
}

interface TorchStorage {
  readonly elementType: ElementType;
  readonly key: string;
  readonly bytes: Uint8Array;
}

export class TorchTensor {
  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly strides: readonly number[],
  ) {}

  toWeight(): WeightTensor {
    return { shape: this.shape, data: toFloat32(this.storage.bytes, this.storage.elementType, this.shape, { offset: this.offset, strides: this.strides }) };
  }
}

function rebuildTensor(args: readonly unknown[]): TorchTensor {
  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  const [storage, offset, size, stride] = args;
  if (typeof storage !== 'object' || storage === null || !('bytes' in storage)) throw new PickleError('tensor without a storage');
  if (typeof offset !== 'number') throw new PickleError('tensor storage offset is not an integer');
  const shape = dims(size, 'tensor size');
  const strides = dims(stride, 'tensor stride');
  if (strides.length !== shape.length) throw new PickleError('tensor size and stride disagree');
  return new TorchTensor(storage as TorchStorage, offset, shape, strides);
}

function rebuildParameter(args: readonly unknown[]): unknown {
  // _rebuild_parameter(data, requires_grad, backward_hooks): the tensor is what matters.
  return args[0];
}

function dims(value: unknown, what: string): number[] {
  if (!Array.isArray(value) || !value.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw new PickleError(`${what} is not a tuple of non-negative integers`);
  }
  return value as number[];
}

// ---- allowlist --------------------------------------------------------------------------------

function allowlist(): Map<string, Reconstructor> {
  const entries: Reconstructor[] = [];
  for (const numpy of ['numpy.core', 'numpy._core']) {
    entries.push(
      reconstructor(`${numpy}.multiarray._reconstruct`, () => new NumpyArray()),
      reconstructor(`${numpy}.multiarray.scalar`, numpyScalar),
      reconstructor(`${numpy}.numeric._frombuffer`, numpyFromBuffer),
    );
  }
  entries.push(
    reconstructor('numpy.ndarray', () => new NumpyArray()),
    reconstructor('numpy.dtype', numpyDtype),
    reconstructor('_codecs.encode', (args) => {
      // Python 3 pickles bytes as _codecs.encode(text, "latin1") under protocol 2.
      const [text, encoding] = args;
      if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) throw new PickleError('_codecs.encode other than latin1');
      return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
    }),
    reconstructor('collections.OrderedDict', (args) => new Map((args[0] as Iterable<[unknown, unknown]> | undefined) ?? [])),
    // dict subclasses in optimizer/scheduler state (e.g. MultiStepLR's milestones)
    reconstructor('collections.Counter', (args) => (args[0] instanceof Map ? new Map(args[0]) : new Map())),
    reconstructor('builtins.set', (args) => new Set((args[0] as Iterable<unknown> | undefined) ?? [])),
    reconstructor('builtins.frozenset', (args) => new Set((args[0] as Iterable<unknown> | undefined) ?? [])),
    reconstructor('__builtin__.set', (args) => new Set((args[0] as Iterable<unknown> | undefined) ?? [])),
    reconstructor('torch._utils._rebuild_tensor_v2', rebuildTensor),
    reconstructor('torch._utils._rebuild_tensor', rebuildTensor),
    reconstructor('torch._utils._rebuild_parameter', rebuildParameter),
  );
  const map = new Map(entries.map((entry) => [entry.qualifiedName, entry]));
  for (const [name, elementType] of Object.entries(TORCH_STORAGES)) {
    const type: StorageType = Object.freeze({
      qualifiedName: `torch.${name}`,
      elementType,
      call(): never {
        throw new PickleError(`torch.${name} called directly`);
      },
    });
    map.set(type.qualifiedName, type);
    if (name === 'UntypedStorage') map.set('torch.storage.UntypedStorage', type);
  }
  return map;
}

const ALLOWED = allowlist();

/** The reconstructor names a checkpoint may use, for the docs and error messages. */
export const ALLOWED_PICKLE_GLOBALS: readonly string[] = Object.freeze([...ALLOWED.keys()].sort());

// ---- reading -----------------------------------------------------------------------------------

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];

function formatError(source: string, reason: string, cause?: unknown): MaskserveError {
  return new MaskserveError('MODEL_FORMAT', `${source} is not a readable detectron2 checkpoint: ${reason}`, {}, { cause });
}

export async function readCheckpoint(path: string, sourceName = path): Promise<Checkpoint> {
  return parseCheckpoint(await readFile(path), sourceName);
}

export async function parseCheckpoint(bytes: Uint8Array, source: string): Promise<Checkpoint> {
  if (bytes.length < 4) throw formatError(source, 'the file is empty or too short');
  const isZip = ZIP_MAGIC.every((b, i) => bytes[i] === b);
  let root: unknown;
  try {
    root = isZip ? await unpickleTorchArchive(bytes) : unpickleZooPickle(bytes, source);
  } catch (error) {
    if (error instanceof MaskserveError) throw error;
    if (error instanceof PickleError || error instanceof RangeError) throw formatError(source, error.message, error);
    throw error;
  }
  return toCheckpoint(root, isZip ? 'pth' : 'pkl', source);
}

function unpickleZooPickle(bytes: Uint8Array, source: string): unknown {
  if (bytes[0] !== 0x80) {
    throw formatError(source, 'it is neither a pickle (.pkl) nor a torch.save zip archive (.pth)');
  }
  return unpickle(bytes, { globals: ALLOWED });
}

async function unpickleTorchArchive(bytes: Uint8Array): Promise<unknown> {
  const entries = await readZipEntries(bytes);
  const pickleName = [...entries.keys()].find((name) => name === 'data.pkl' || name.endsWith('/data.pkl'));
  if (pickleName === undefined) throw new PickleError('the zip archive has no data.pkl (not a torch.save file)');
  const prefix = pickleName.slice(0, -'data.pkl'.length);
  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: unknown): TorchStorage => {
    // ('storage', storage_type, key, location, numel)
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) throw new PickleError('unknown persistent id (expected a torch storage)');
    const [, type, key, , numel] = pid as unknown[];
    const elementType = (type as Partial<StorageType> | null)?.elementType;
    if (elementType === undefined) throw new PickleError('torch storage of an unknown type');
    if (typeof key !== 'string' || typeof numel !== 'number') throw new PickleError('malformed torch storage id');
    const cached = storages.get(key);
    if (cached) return cached;
    const data = entries.get(`${prefix}data/${key}`);
    if (data === undefined) throw new PickleError(`storage ${key} is missing from the archive`);
    if (data.length < numel * ELEMENT_BYTES[elementType]) throw new PickleError(`storage ${key} is truncated`);
    const storage = { elementType, key, bytes: data };
    storages.set(key, storage);
    return storage;
  };
  const pickled = entries.get(pickleName);
  if (pickled === undefined) throw new PickleError('data.pkl unreadable');
  return unpickle(pickled, { globals: ALLOWED, persistentLoad });
}

function toCheckpoint(root: unknown, form: CheckpointForm, source: string): Checkpoint {
  if (!(root instanceof Map)) throw formatError(source, 'the top level is not a dict');
  const extras: Record<string, string | number | boolean> = {};
  for (const [key, value] of root) {
    if (typeof key === 'string' && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) extras[key] = value;
  }
  // {"model": state_dict, ...} from detectron2's Checkpointer / the zoo; a bare state_dict also works.
  const model = root.has('model') ? root.get('model') : root;
  if (!(model instanceof Map)) throw formatError(source, 'its "model" entry is not a dict of tensors');
  const weights = new Map<string, WeightTensor>();
  for (const [key, value] of model) {
    if (typeof key !== 'string') continue;
    const name = key.startsWith('module.') ? key.slice('module.'.length) : key;
    if (value instanceof NumpyArray || value instanceof TorchTensor) weights.set(name, value.toWeight());
  }
  if (weights.size === 0) throw formatError(source, 'it holds no weight tensors under "model"');
  return { form, weights, extras: Object.freeze(extras) };
}
