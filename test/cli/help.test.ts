import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskserve, runInProcess } from './helpers.js';

const EXIT_CODES = /Exit codes:\n\s+0\s+success\n\s+1\s+some inputs failed.*\n\s+2\s+usage error.*\n\s+3\s+model.*\n\s+4\s+internal error/;

describe('maskserve --help (subprocess)', { concurrency: 3 }, () => {
  it('the root help lists the commands and the exit codes', async () => {
    const { code, text } = await maskserve(['--help']);
    assert.equal(code, 0);
    assert.match(text, /^Usage: maskserve/);
    for (const command of ['predict', 'models', 'eval', 'serve']) assert.match(text, new RegExp(`\\n  ${command} `));
    assert.match(text, EXIT_CODES);
  });

  it('predict --help lists every flag of the contract, examples and exit codes', async () => {
    const { code, text } = await maskserve(['predict', '--help']);
    assert.equal(code, 0);
    for (const flag of ['--model', '--family', '--threshold', '--iou', '--max-detections', '--classes', '--mask-format', '--format', '--out', '--concurrency', '--max-pixels']) {
      assert.ok(text.includes(flag), `${flag} missing from help`);
    }
    assert.ok(!text.includes('--allow-loopback-fetch'), 'the test-only flag stays hidden');
    assert.match(text, /Examples:\n\s+\$ maskserve predict /);
    assert.match(text, EXIT_CODES);
  });

  it('prints the version', async () => {
    const { code, text } = await maskserve(['--version']);
    assert.equal(code, 0);
    assert.match(text, /^\d+\.\d+\.\d+\n$/);
  });
});

describe('every command documents examples and exit codes', () => {
  const commands = [['models'], ['models', 'list'], ['models', 'pull'], ['models', 'info'], ['eval'], ['serve']];
  for (const command of commands) {
    it(`maskserve ${command.join(' ')} --help`, async () => {
      const { code, stdout } = await runInProcess([...command, '--help']);
      assert.equal(code, 0);
      assert.match(stdout, new RegExp(`^Usage: maskserve ${command.join(' ')}`));
      assert.match(stdout, /Examples:\n\s+\$ (\w+=\S+ )?maskserve /);
      assert.match(stdout, EXIT_CODES);
    });
  }

  it('eval and serve list their options', async () => {
    const evalHelp = (await runInProcess(['eval', '--help'])).stdout;
    for (const flag of ['--model', '--annotations', '--images', '--iou-type', '--results', '--out', '--plot']) assert.ok(evalHelp.includes(flag), flag);
    const serveHelp = (await runInProcess(['serve', '--help'])).stdout;
    for (const flag of ['--port', '--host', '--model', 'PORT', 'HOST']) assert.ok(serveHelp.includes(flag), flag);
  });
});
