import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignOutputStems, inputOverwrittenBy, stemOf } from '../../src/cli/output-names.js';
import type { InputSource } from '../../src/cli/predict-inputs.js';

const file = (path: string): InputSource => ({ kind: 'file', label: path, path });
const url = (href: string): InputSource => ({ kind: 'url', label: href, url: href });

describe('output names for predict --out', () => {
  it('uses the file name without its extension, or the last URL segment', () => {
    assert.equal(stemOf(file('/photos/dog.jpg')), 'dog');
    assert.equal(stemOf(file('/photos/archive.tar.png')), 'archive.tar');
    assert.equal(stemOf(url('https://example.com/img/cat%20photo.webp?size=large')), 'cat_photo');
    assert.equal(stemOf(url('https://example.com/')), 'image');
    assert.equal(stemOf(file('/x/.hidden.png')), 'hidden');
  });

  it('makes stems unique in input order, case-insensitively', () => {
    assert.deepEqual(assignOutputStems([file('/a/dog.jpg'), file('/b/dog.png'), file('/c/Dog.jpg'), file('/d/cat.jpg')]), ['dog', 'dog-2', 'Dog-3', 'cat']);
  });

  it('never uses the names of the run files', () => {
    assert.deepEqual(assignOutputStems([file('/a/images.jpg'), file('/a/coco-results.png')]), ['images-2', 'coco-results-2']);
  });

  it('finds an input that --out would overwrite', () => {
    const sources = [file('/data/dog.png'), file('/data/cat.jpg')];
    const stems = assignOutputStems(sources);
    assert.equal(inputOverwrittenBy('/data', sources, stems), '/data/dog.png');
    assert.equal(inputOverwrittenBy('/results', sources, stems), undefined);
    assert.equal(inputOverwrittenBy('/data', [file('/data/images.json')], ['x']), '/data/images.json');
  });
});
