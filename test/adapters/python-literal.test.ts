import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseImgsz, parseNamesLiteral, parsePositiveInteger } from '../../src/adapters/python-literal.js';
import { MaskserveError } from '../../src/errors.js';

test('names: Ultralytics dict literal with mixed quotes and escapes', () => {
  assert.deepEqual(parseNamesLiteral(`{0: 'person', 1: "it's", 2: 'a\\'b'}`), ['person', "it's", "a'b"]);
  assert.deepEqual(parseNamesLiteral(`{1: 'b', 0: 'a',}`), ['a', 'b']);
  assert.deepEqual(parseNamesLiteral(` { 0 :'tab\\there' , 1:"caf\\xe9", 2: 'snow\\u2603' } `), ['tab\there', 'café', 'snow☃']);
  assert.deepEqual(parseNamesLiteral(`{'0': 'quoted key'}`), ['quoted key']);
  assert.deepEqual(parseNamesLiteral('{}'), []);
});

test('names: malformed literals are MODEL_FORMAT errors that say what is wrong', () => {
  const cases: [string, RegExp][] = [
    [`{0: 'a', 2: 'c'}`, /missing 1/],
    [`{0: 'a', 0: 'b'}`, /duplicate key 0/],
    [`{0: 'unterminated}`, /unterminated string/],
    [`{0: person}`, /expected a quoted string/],
    [`[0, 1]`, /expected '\{'/],
    [`{0: 'a' 1: 'b'}`, /expected ',' or '\}'/],
    [`{0: 'a'} extra`, /unexpected text/],
    [`{-1: 'a'}`, /non-negative integer key/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseNamesLiteral(text),
      (error: unknown) => error instanceof MaskserveError && error.code === 'MODEL_FORMAT' && message.test(error.message) && error.message.includes('"names"'),
      text,
    );
  }
});

test('imgsz: integer, list or tuple, returned as [height, width]', () => {
  assert.deepEqual(parseImgsz('640'), [640, 640]);
  assert.deepEqual(parseImgsz('[640, 640]'), [640, 640]);
  assert.deepEqual(parseImgsz('(384, 640)'), [384, 640]);
  assert.deepEqual(parseImgsz('[320]'), [320, 320]);
  for (const bad of ['', 'abc', '[640, 0]', '640, 640', '[1, 2, 3]', '[6.5, 6]']) {
    assert.throws(() => parseImgsz(bad), /imgsz/, bad);
  }
});

test('stride: positive integer', () => {
  assert.equal(parsePositiveInteger(' 32 ', 'stride'), 32);
  assert.throws(() => parsePositiveInteger('0', 'stride'), /"stride"/);
});
