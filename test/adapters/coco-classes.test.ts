import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { COCO_80_CATEGORY_IDS, COCO_80_CLASSES, COCO_ZOO_CLASSES, defaultCategoryIds, isCoco80 } from '../../src/adapters/coco-classes.js';

test('the zoo list has 81 entries, background first, same text as the zoo file', () => {
  assert.equal(COCO_ZOO_CLASSES.length, 81);
  assert.equal(COCO_ZOO_CLASSES[0], '__background');
  const shared = new URL('../../../shared/coco-classes-zoo.txt', import.meta.url);
  let text: string | undefined;
  try {
    text = readFileSync(shared, 'utf8');
  } catch {
    text = undefined; // the shared folder only exists on development machines
  }
  if (text !== undefined) assert.deepEqual(COCO_ZOO_CLASSES, text.split('\n').filter((line) => line !== ''));
});

test('category ids: person 1, the usual gaps, toothbrush 90', () => {
  assert.equal(COCO_80_CATEGORY_IDS.length, 80);
  assert.equal(new Set(COCO_80_CATEGORY_IDS).size, 80);
  const id = (name: string) => COCO_80_CATEGORY_IDS[COCO_80_CLASSES.indexOf(name)];
  assert.equal(id('person'), 1);
  assert.equal(id('stop sign'), 13);
  assert.equal(id('backpack'), 27);
  assert.equal(id('dining table'), 67);
  assert.equal(id('toilet'), 70);
  assert.equal(id('tv'), 72);
  assert.equal(id('book'), 84);
  assert.equal(id('toothbrush'), 90);
  assert.ok(COCO_80_CATEGORY_IDS.every((v, i) => i === 0 || v > COCO_80_CATEGORY_IDS[i - 1]));
});

test('defaultCategoryIds: COCO ids for the COCO 80, else index (1-based labels) or index + 1', () => {
  const zoo = defaultCategoryIds(COCO_ZOO_CLASSES, true);
  assert.equal(zoo[0], 0);
  assert.equal(zoo[1], 1);
  assert.equal(zoo[80], 90);
  assert.deepEqual(defaultCategoryIds(COCO_80_CLASSES, false), [...COCO_80_CATEGORY_IDS]);
  assert.deepEqual(defaultCategoryIds(['__background', 'circle', 'square'], true), [0, 1, 2]);
  assert.deepEqual(defaultCategoryIds(['circle', 'square', 'triangle'], false), [1, 2, 3]);
  // Shuffled COCO names still map by name.
  const reversed = [...COCO_80_CLASSES].reverse();
  assert.ok(isCoco80(reversed, false));
  assert.equal(defaultCategoryIds(reversed, false)[0], 90);
  assert.equal(isCoco80(['person'], false), false);
});
