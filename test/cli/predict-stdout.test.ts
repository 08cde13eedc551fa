// Guards that run before any model or image is touched (so they are cheap to test in process).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError, exitCodeFor } from '../../src/cli/exit-codes.js';
import { runPredict } from '../../src/cli/predict.js';
import { resolvePredictSettings } from '../../src/cli/predict-settings.js';
import { MaskserveError } from '../../src/errors.js';

const fakeStream = (isTTY: boolean) => ({ isTTY, write: () => true }) as unknown as NodeJS.WriteStream;

describe('predict output guards', () => {
  it('refuses to write PNG bytes to a terminal', async () => {
    const settings = resolvePredictSettings({ format: 'png' }, {});
    await assert.rejects(runPredict(['photo.jpg'], settings, { stdout: fakeStream(true), stderr: fakeStream(false) }), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /refusing to write PNG bytes to a terminal/);
      assert.equal(exitCodeFor(error), 2);
      return true;
    });
  });

  it('asks for --out when several inputs would go to stdout as PNG', async () => {
    const settings = resolvePredictSettings({ format: 'png' }, {});
    await assert.rejects(runPredict(['a.jpg', 'b.jpg'], settings, { stdout: fakeStream(false), stderr: fakeStream(false) }), /use --out DIR for several inputs/);
  });
});

describe('exitCodeFor', () => {
  it('maps coded errors to the documented exit codes', () => {
    assert.equal(exitCodeFor(new MaskserveError('INVALID_OPTION', 'x')), 2);
    assert.equal(exitCodeFor(new MaskserveError('UNKNOWN_MODEL', 'x')), 3);
    assert.equal(exitCodeFor(new MaskserveError('CHECKSUM_MISMATCH', 'x')), 3);
    assert.equal(exitCodeFor(new MaskserveError('CORRUPT_IMAGE', 'x')), 1);
    assert.equal(exitCodeFor(new MaskserveError('INTERNAL', 'x')), 4);
    assert.equal(exitCodeFor(new TypeError('boom')), 4);
    assert.equal(exitCodeFor(Object.assign(new Error('gone'), { code: 'ENOENT' })), 1);
  });
});
