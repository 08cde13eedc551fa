// Server logs: JSON for collectors, one readable line per event on a terminal; a start-up URL a
// person can click.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { browsableUrl, logFormat, loggerOptions } from '../../src/server/log-output.js';

describe('server log output', () => {
  it('is JSON unless stdout is a terminal; LOG_FORMAT decides when set', () => {
    assert.equal(logFormat({}, false), 'json');
    assert.equal(logFormat({}, true), 'pretty');
    assert.equal(logFormat({ LOG_FORMAT: 'json' }, true), 'json');
    assert.equal(logFormat({ LOG_FORMAT: 'Pretty' }, false), 'pretty');
    assert.deepEqual(loggerOptions({ LOG_LEVEL: 'warn' }, false), { level: 'warn' });
    const pretty = loggerOptions({}, true) as { level: string; stream?: { write: unknown } };
    assert.equal(pretty.level, 'info');
    assert.equal(typeof pretty.stream?.write, 'function', 'a pino-pretty stream (its lines are checked in test/cli/serve.test.ts)');
  });

  it('turns a wildcard bind into a localhost URL one can open', () => {
    assert.equal(browsableUrl('0.0.0.0', 8080), 'http://localhost:8080');
    assert.equal(browsableUrl('::', 8080), 'http://localhost:8080');
    assert.equal(browsableUrl('127.0.0.1', 18080), 'http://127.0.0.1:18080');
    assert.equal(browsableUrl('::1', 80), 'http://[::1]:80');
  });
});
