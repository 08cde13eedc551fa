import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FAMILY_NAMES } from '../../src/adapters/registry.js';
import { MaskserveError } from '../../src/errors.js';
import { modelCardPath, parseModelCard, readModelCard } from '../../src/models/model-card.js';

describe('readModelCard', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maskserve-card-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('finds the sidecar next to the .onnx file', () => {
    assert.equal(modelCardPath('models/demo/shapes-maskrcnn.onnx'), 'models/demo/shapes-maskrcnn.json');
  });

  it('returns {} when there is no card', async () => {
    assert.deepEqual(await readModelCard(join(dir, 'absent.onnx')), {});
  });

  it('reads a valid card and keeps unknown fields', async () => {
    const card = { id: 'shapes', family: 'maskrcnn', classes: ['__background', 'circle'], categoryIds: [0, 1], minSize: 256, training: { iterations: 900 } };
    await writeFile(join(dir, 'good.json'), JSON.stringify(card));
    assert.deepEqual(await readModelCard(join(dir, 'good.onnx')), card);
  });

  it('fails with MODEL_FORMAT naming the bad field', async () => {
    await writeFile(join(dir, 'bad.json'), JSON.stringify({ family: 'detr' }));
    await assert.rejects(readModelCard(join(dir, 'bad.onnx')), (error: unknown) => {
      assert.ok(error instanceof MaskserveError);
      assert.equal(error.code, 'MODEL_FORMAT');
      assert.ok(error.message.includes(`expected one of ${FAMILY_NAMES.join(', ')} for family but received "detr"`), error.message);
      return true;
    });
  });

  it('names the field for wrong element types and non-positive sizes', () => {
    assert.throws(() => parseModelCard({ classes: ['a', 3] }), /for classes but received \["a",3\]/);
    assert.throws(() => parseModelCard({ imgsz: 0 }), /expected a positive integer for imgsz/);
    assert.throws(() => parseModelCard({ stride: 2.5 }), /for stride/);
  });

  it('rejects categoryIds that do not match classes in length', () => {
    assert.throws(() => parseModelCard({ classes: ['a', 'b'], categoryIds: [1] }), /categoryIds has 1 entries but classes has 2/);
  });

  it('rejects cards that are not JSON objects', async () => {
    await writeFile(join(dir, 'broken.json'), '{ "family": ');
    await assert.rejects(readModelCard(join(dir, 'broken.onnx')), /not valid JSON/);
    assert.throws(() => parseModelCard([1, 2]), /must be a JSON object/);
  });
});
