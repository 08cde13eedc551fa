// The option table is the one definition of request options: these tests hold every consumer to it
// (parser, OpenAPI schemas, predict flags, docs) and check that a bad value gets one code and one
// wording wherever it arrives.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { optionFlags, readOptionFlags } from '../../src/cli/option-flags.js';
import { isMaskserveError } from '../../src/errors.js';
import { DEFAULT_OPTIONS } from '../../src/options.js';
import { optionsReference } from '../../src/options/reference.js';
import { flagName, OPTION_NAMES, optionSpec, parseOptions, predictFlag, REQUEST_OPTIONS } from '../../src/options/table.js';
import { DetectQuery, SegmentJsonBody, SegmentQuery } from '../../src/server/schemas.js';

/** A value no option of that kind accepts. */
const BAD_VALUES: Readonly<Record<string, unknown>> = Object.freeze({
  'a number between 0 and 1': '1.5',
  'an integer between 1 and 1000': '0x10',
  'a boolean': 'maybe',
  'a comma-separated list of class names': 'a,,b',
  'an integer from 0': '-1',
  'a string': 42,
});

function badValue(expected: string): unknown {
  return BAD_VALUES[expected] ?? 'not-one-of-them';
}

describe('option table', () => {
  it('defaults come from the table', () => {
    assert.equal(DEFAULT_OPTIONS.threshold, REQUEST_OPTIONS.threshold.default);
    assert.equal(DEFAULT_OPTIONS.maxDetections, REQUEST_OPTIONS.maxDetections.default);
    assert.deepEqual(Object.keys(parseOptions({})).sort(), OPTION_NAMES.filter((name) => optionSpec(name).default !== undefined).sort());
  });

  it('every option is documented in the query, JSON body and GET /detect schemas', () => {
    assert.deepEqual(Object.keys(SegmentQuery.properties).sort(), [...OPTION_NAMES].sort());
    assert.deepEqual(Object.keys(SegmentJsonBody.properties).sort(), ['url', ...OPTION_NAMES].sort());
    assert.deepEqual(Object.keys(DetectQuery.properties).sort(), ['url', ...OPTION_NAMES].sort(), 'GET /detect takes the same options');
  });

  it('a bad value of every option is INVALID_OPTION, worded the same, named as spelt', () => {
    for (const name of OPTION_NAMES) {
      const spec = optionSpec(name);
      const value = badValue(spec.value.expected);
      for (const [spelling, spelt] of [[undefined, name], [flagName, flagName(name)]] as const) {
        assert.throws(
          () => parseOptions({ [name]: value }, spelling),
          (error: unknown) => isMaskserveError(error) && error.code === 'INVALID_OPTION' && error.message === `Expected ${spec.value.expected} for ${spelt} but received ${JSON.stringify(value)}`,
          `${name}=${String(value)}`,
        );
      }
    }
  });

  it('an empty value means not given; an unknown name lists the valid ones', () => {
    assert.equal(parseOptions({ threshold: '' }).threshold, 0.5);
    assert.throws(() => parseOptions({ treshold: '0.3' }), /Unknown option "treshold"; valid options: threshold, iou/);
  });

  it('predict has a flag for every option the table gives one, and reads them back', () => {
    const flags = optionFlags().map((option) => option.long);
    for (const name of OPTION_NAMES) {
      const spec = optionSpec(name);
      if (spec.cli === undefined) continue;
      assert.ok(flags.includes(predictFlag(name)), name);
      for (const alias of spec.cli.aliases ?? []) assert.ok(flags.includes(alias), alias);
    }
    const values = readOptionFlags({ conf: '0.3', maskThreshold: '0.4', agnosticNms: true, boxes: false });
    assert.deepEqual([values.threshold, values.maskThreshold, values.agnosticNms, values.boxes], [0.3, 0.4, true, false]);
    assert.throws(() => readOptionFlags({ conf: '2' }), /Expected a number between 0 and 1 for --conf but received "2"/);
    assert.throws(() => readOptionFlags({ threshold: '0.5', conf: '0.3' }), /the same setting/);
  });

  it('docs/options.md is the table as it is (npm run docs:options rewrites it)', async () => {
    assert.equal(await readFile(new URL('../../docs/options.md', import.meta.url), 'utf8'), optionsReference());
  });
});
