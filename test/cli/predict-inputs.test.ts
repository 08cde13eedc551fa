import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FAMILY_NAMES } from '../../src/adapters/registry.js';
import { expandInputs } from '../../src/cli/predict-inputs.js';
import { resolvePredictSettings } from '../../src/cli/predict-settings.js';

describe('expandInputs', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'maskserve-inputs-'));
    await mkdir(join(dir, 'photos/nested'), { recursive: true });
    await mkdir(join(dir, 'empty'));
    for (const name of ['photos/b.jpg', 'photos/a.PNG', 'photos/notes.txt', 'photos/nested/c.webp', 'loose.bin']) await writeFile(join(dir, name), 'x');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('walks directories recursively for image extensions, sorted', async () => {
    const { sources, problems } = await expandInputs(['photos'], { cwd: dir });
    assert.deepEqual(sources.map((s) => s.label), ['photos/a.PNG', 'photos/b.jpg', 'photos/nested/c.webp']);
    assert.deepEqual(problems, []);
  });

  it('keeps explicitly named files whatever their extension (content decides)', async () => {
    const { sources } = await expandInputs(['loose.bin'], { cwd: dir });
    assert.deepEqual(sources, [{ kind: 'file', label: 'loose.bin', path: join(dir, 'loose.bin') }]);
  });

  it('expands glob patterns and drops duplicates', async () => {
    const { sources } = await expandInputs(['photos/**/*.{jpg,webp}', 'photos/b.jpg'], { cwd: dir });
    assert.deepEqual(sources.map((s) => s.label), ['photos/b.jpg', 'photos/nested/c.webp']);
  });

  it('skips files under the output directory when searching, not when named', async () => {
    const { sources } = await expandInputs(['photos', 'photos/nested/c.webp'], { cwd: dir, excludeDir: 'photos/nested' });
    assert.deepEqual(sources.map((s) => s.label), ['photos/a.PNG', 'photos/b.jpg', 'photos/nested/c.webp']);
    const searchedOnly = await expandInputs(['photos'], { cwd: dir, excludeDir: 'photos/nested' });
    assert.deepEqual(searchedOnly.sources.map((s) => s.label), ['photos/a.PNG', 'photos/b.jpg']);
  });

  it('passes URLs through and reports what matched nothing', async () => {
    const { sources, problems } = await expandInputs(['https://example.com/a.jpg', 'missing.jpg', 'empty', 'nothing/*.png'], { cwd: dir });
    assert.deepEqual(sources, [{ kind: 'url', label: 'https://example.com/a.jpg', url: 'https://example.com/a.jpg' }]);
    assert.deepEqual(
      problems.map((p) => [p.label, p.reason.split(' (')[0]]),
      [
        ['missing.jpg', 'no such file or directory'],
        ['empty', 'no image files'],
        ['nothing/*.png', 'the pattern matched no image files'],
      ],
    );
  });
});

describe('resolvePredictSettings', () => {
  it('applies the defaults', () => {
    const settings = resolvePredictSettings({}, {});
    assert.equal(settings.format, 'json');
    assert.equal(settings.maskFormat, 'rle');
    assert.equal(settings.concurrency, 1);
    assert.equal(settings.segment.threshold, 0.5);
    assert.equal(settings.allowLoopback, false);
  });

  it('reads the flags, and the test-only loopback switch from the environment', () => {
    const settings = resolvePredictSettings({ threshold: '0.3', iou: '0.6', maxDetections: '5', classes: 'dog, cat', format: 'coco', concurrency: '3', maxPixels: '1000' }, { MASKSERVE_ALLOW_LOOPBACK_FETCH: '1' });
    assert.deepEqual([settings.segment.threshold, settings.segment.iou, settings.segment.maxDetections], [0.3, 0.6, 5]);
    assert.deepEqual(settings.segment.classes, ['dog', 'cat']);
    assert.deepEqual([settings.format, settings.concurrency, settings.maxPixels, settings.allowLoopback], ['coco', 3, 1000, true]);
  });

  it('names the flag in errors', () => {
    assert.throws(() => resolvePredictSettings({ iou: '1.5' }, {}), /for --iou but received "1.5"/);
    assert.throws(() => resolvePredictSettings({ family: 'detr' }, {}), new RegExp(`one of ${FAMILY_NAMES.join(', ')} for --family`));
  });
});
