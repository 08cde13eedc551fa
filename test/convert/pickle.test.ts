// The allowlisted unpickler: plain containers and numpy arrays load; anything that would import
// or call other code is refused by name before it is built; damaged input fails cleanly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCheckpoint, ALLOWED_PICKLE_GLOBALS } from '../../src/convert/checkpoint.js';
import { PickleError, unpickle } from '../../src/convert/pickle.js';
import { MaskserveError } from '../../src/errors.js';

/** A tiny pickle assembler: opcodes as bytes, strings as SHORT_BINUNICODE, globals as GLOBAL lines. */
const op = {
  proto: (v: number) => [0x80, v],
  str: (s: string) => [0x8c, Buffer.byteLength(s), ...Buffer.from(s)],
  bytes: (b: Uint8Array) => [0x43, b.length, ...b],
  int: (v: number) => [0x4b, v],
  global: (module: string, name: string) => [0x63, ...Buffer.from(`${module}\n${name}\n`)],
  mark: [0x28],
  dict: [0x7d],
  list: [0x5d],
  tuple: [0x74],
  tuple1: [0x85],
  setitems: [0x75],
  setitem: [0x73],
  append: [0x61],
  reduce: [0x52],
  build: [0x62],
  none: [0x4e],
  false: [0x89],
  stop: [0x2e],
};
const pickle = (...parts: number[][]) => Uint8Array.from(parts.flat());

/** numpy.core.multiarray._reconstruct(ndarray, (0,), b'b') + BUILD (1, shape, dtype, False, raw). */
function numpyFloat32(shape: number[], values: number[]): number[][] {
  const raw = new Uint8Array(new Float32Array(values).buffer);
  return [
    op.global('numpy.core.multiarray', '_reconstruct'),
    op.global('numpy', 'ndarray'),
    op.mark, op.int(0), op.tuple,
    op.bytes(Buffer.from('b')),
    [0x87], // TUPLE3
    op.reduce,
    op.mark, op.int(1),
    op.mark, ...shape.map((d) => op.int(d)), op.tuple,
    op.global('numpy', 'dtype'), op.mark, op.str('f4'), op.false, [0x88], op.tuple, op.reduce,
    op.mark, op.int(3), op.str('<'), op.none, op.none, op.none, op.int(255), op.int(255), op.int(0), op.tuple, op.build,
    op.false,
    op.bytes(raw),
    op.tuple,
    op.build,
  ];
}

describe('unpickle', () => {
  it('reads dicts, lists, tuples, strings and integers', () => {
    const value = unpickle(pickle(op.proto(2), op.dict, op.mark, op.str('a'), op.int(5), op.str('b'), op.list, op.int(1), op.append, op.setitems, op.stop), {
      globals: new Map(),
    });
    assert.deepEqual(value, new Map<unknown, unknown>([['a', 5], ['b', [1]]]));
  });

  it('refuses os.system by name before calling anything', () => {
    const evil = pickle(op.proto(2), op.global('os', 'system'), op.str('touch /tmp/pwned'), op.tuple1, op.reduce, op.stop);
    assert.throws(() => unpickle(evil, { globals: new Map() }), (error: unknown) => error instanceof PickleError && /refused to load "os\.system"/.test(error.message));
  });

  it('refuses builtins such as eval and getattr even in a checkpoint', async () => {
    for (const [module, name] of [['builtins', 'eval'], ['builtins', 'getattr'], ['subprocess', 'Popen'], ['torch', 'load']]) {
      const bytes = pickle(op.proto(2), op.dict, op.str('model'), op.global(module, name), op.str('x'), op.tuple1, op.reduce, op.setitem, op.stop);
      await assert.rejects(parseCheckpoint(bytes, 'evil.pkl'), (error: unknown) => {
        assert.ok(error instanceof MaskserveError);
        assert.equal(error.code, 'MODEL_FORMAT');
        assert.match(error.message, new RegExp(`evil\\.pkl .*refused to load "${module}\\.${name}"`));
        return true;
      });
    }
    assert.ok(!ALLOWED_PICKLE_GLOBALS.some((name) => /^(builtins\.(eval|exec|getattr|__import__)|os\.|subprocess\.|posix\.)/.test(name)));
  });

  it('reads a zoo-style {"model": {name: numpy array}} checkpoint as float32 weights', async () => {
    const bytes = pickle(op.proto(2), op.dict, op.mark, op.str('model'), op.dict, op.str('w'), ...numpyFloat32([2, 3], [1, 2, 3, 4, 5, 6]), op.setitem, op.str('__author__'), op.str('test'), op.setitems, op.stop);
    const checkpoint = await parseCheckpoint(bytes, 'tiny.pkl');
    assert.equal(checkpoint.form, 'pkl');
    assert.deepEqual(checkpoint.extras, { __author__: 'test' });
    const w = checkpoint.weights.get('w');
    assert.deepEqual(w?.shape, [2, 3]);
    assert.deepEqual(Array.from(w?.data ?? []), [1, 2, 3, 4, 5, 6]);
  });

  it('fails cleanly on truncated, empty and non-pickle input', async () => {
    const whole = pickle(op.proto(2), op.dict, op.str('model'), op.dict, op.str('w'), ...numpyFloat32([2], [1, 2]), op.setitem, op.setitem, op.stop);
    for (const [bytes, pattern] of [
      [whole.subarray(0, whole.length - 12), /truncated|stack|ended/],
      [new Uint8Array(0), /empty or too short/],
      [Buffer.from('this is a text file, not a checkpoint'), /neither a pickle \(\.pkl\) nor a torch\.save zip archive/],
      [Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5, 6]), /zip/],
    ] as const) {
      await assert.rejects(parseCheckpoint(bytes, 'bad.pth'), (error: unknown) => error instanceof MaskserveError && error.code === 'MODEL_FORMAT' && pattern.test(error.message));
    }
  });

  it('rejects a dict without weight tensors', async () => {
    const bytes = pickle(op.proto(2), op.dict, op.str('model'), op.dict, op.str('x'), op.int(1), op.setitem, op.setitem, op.stop);
    await assert.rejects(parseCheckpoint(bytes, 'empty.pkl'), /holds no weight tensors/);
  });
});
