// Pure pieces of the server: Accept negotiation, error -> problem mapping, config, option parsing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MaskserveError } from '../../src/errors.js';
import { FETCH_FAILED_MESSAGE } from '../../src/input/fetch-url.js';
import { DEFAULT_SERVER_CONFIG, loadServerConfig } from '../../src/server/config.js';
import { negotiate, prefersHtml } from '../../src/server/negotiate.js';
import { toProblem } from '../../src/server/problem.js';
import { apiFormat, detectImageFormat } from '../../src/server/representations.js';
import { parseRequestOptions } from '../../src/server/request-options.js';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const context = { instance: '/api/v1/segment', maxUploadBytes: 20 * 1024 * 1024, retryAfterSeconds: 2 };

describe('negotiate', () => {
  it('picks the highest quality, ties going to the server order', () => {
    assert.equal(negotiate('image/jpeg;q=0.9, image/png', ['image/png', 'image/jpeg']), 'image/png');
    assert.equal(negotiate('image/png;q=0.5, image/jpeg', ['image/png', 'image/jpeg']), 'image/jpeg');
    assert.equal(negotiate('*/*', ['application/json', 'image/png']), 'application/json');
    assert.equal(negotiate(undefined, ['application/json', 'image/png']), 'application/json');
    assert.equal(negotiate('text/csv', ['application/json']), undefined);
    assert.equal(negotiate('image/*;q=0.5, image/webp;q=0', ['image/webp', 'image/png']), 'image/png');
  });

  it('tells browsers from API clients', () => {
    assert.equal(prefersHtml(BROWSER_ACCEPT), true);
    assert.equal(prefersHtml('*/*'), false);
    assert.equal(prefersHtml(undefined), false);
    assert.equal(prefersHtml('application/json, text/html;q=0.5'), false);
  });

  it('chooses API and /detect representations', () => {
    assert.equal(apiFormat(undefined, undefined), 'json');
    assert.equal(apiFormat(undefined, 'image/webp'), 'webp');
    assert.equal(apiFormat(undefined, 'image/jpeg, application/json;q=0.1'), 'jpeg');
    assert.equal(apiFormat('coco', 'image/png'), 'coco');
    assert.equal(detectImageFormat(BROWSER_ACCEPT), 'png');
    assert.equal(detectImageFormat('image/jpeg'), 'jpeg');
    assert.equal(detectImageFormat(undefined), 'png');
  });
});

describe('toProblem', () => {
  it('keeps a coded 4xx error with its message and public details', () => {
    const error = new MaskserveError('UNKNOWN_MODEL', 'Unknown model "x"; loaded models: a', { models: ['a'] });
    const { problem, headers, serverFault } = toProblem(error, context);
    assert.deepEqual(
      { status: problem.status, code: problem.code, detail: problem.detail, models: problem.models, instance: problem.instance },
      { status: 404, code: 'UNKNOWN_MODEL', detail: 'Unknown model "x"; loaded models: a', models: ['a'], instance: '/api/v1/segment' },
    );
    assert.equal(problem.type, 'urn:maskserve:error:unknown-model');
    assert.deepEqual(headers, {});
    assert.equal(serverFault, false);
  });

  it('never exposes why a URL could not be fetched (the reason may name internal addresses)', () => {
    const error = new MaskserveError('URL_FETCH_FAILED', FETCH_FAILED_MESSAGE, { reason: 'blocked address 10.0.0.1', url: 'http://10.0.0.1/' });
    const { problem } = toProblem(error, context);
    assert.equal(problem.status, 422);
    assert.equal(problem.detail, FETCH_FAILED_MESSAGE);
    assert.doesNotMatch(JSON.stringify(problem), /10\.0\.0\.1|blocked/);
  });

  it('gives QUEUE_FULL a Retry-After and a fixed public detail', () => {
    const { problem, headers, serverFault } = toProblem(new MaskserveError('QUEUE_FULL', 'queue 7/7 on worker 3', { queued: 7 }), context);
    assert.equal(problem.status, 503);
    assert.equal(headers['retry-after'], '2');
    assert.equal(problem.retryAfter, 2);
    assert.doesNotMatch(problem.detail, /worker 3/);
    assert.equal(problem.queued, undefined);
    assert.equal(serverFault, false);
  });

  it("takes the server's Retry-After estimate, never below the configured minimum", () => {
    const later = toProblem(new MaskserveError('QUEUE_FULL', 'busy', { retryAfter: 5 }), context);
    assert.equal(later.headers['retry-after'], '5');
    const sooner = toProblem(new MaskserveError('QUEUE_FULL', 'busy', { retryAfter: 1 }), context);
    assert.equal(sooner.headers['retry-after'], '2');
  });

  it('never leaks an unexpected error', () => {
    const error = new TypeError('Cannot read properties of undefined (reading "secret") at /srv/app.js:1');
    const { problem, serverFault } = toProblem(error, context);
    assert.equal(problem.status, 500);
    assert.equal(problem.code, 'INTERNAL');
    assert.doesNotMatch(JSON.stringify(problem), /secret|app\.js|TypeError/);
    assert.equal(serverFault, true);
  });

  it('translates fastify and plugin errors into the table', () => {
    const cases: [object, number, string][] = [
      [{ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }, 413, 'PAYLOAD_TOO_LARGE'],
      [{ code: 'FST_REQ_FILE_TOO_LARGE', statusCode: 413 }, 413, 'PAYLOAD_TOO_LARGE'],
      [{ code: 'FST_FILES_LIMIT', statusCode: 413 }, 400, 'INVALID_REQUEST'],
      [{ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }, 415, 'UNSUPPORTED_FORMAT'],
      [{ code: 'FST_INVALID_MULTIPART_CONTENT_TYPE', statusCode: 406 }, 415, 'UNSUPPORTED_FORMAT'],
      [{ code: 'FST_ERR_VALIDATION', statusCode: 400, validation: [], message: 'querystring/threshold must be number' }, 400, 'INVALID_REQUEST'],
      [{ code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400, message: 'Body cannot be empty' }, 400, 'INVALID_REQUEST'],
      [{ statusCode: 429, message: 'slow down' }, 429, 'RATE_LIMITED'],
    ];
    for (const [error, status, code] of cases) {
      const { problem } = toProblem(error, context);
      assert.equal(problem.status, status, JSON.stringify(error));
      assert.equal(problem.code, code);
    }
    assert.match(toProblem({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }, context).problem.detail, /20 MiB/);
  });
});

describe('loadServerConfig', () => {
  it('has the documented defaults', () => {
    const config = loadServerConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.maxUploadBytes, 20 * 1024 * 1024);
    assert.equal(config.maxPixels, 40_000_000);
    assert.equal(config.requestTimeoutMs, 30_000);
    assert.equal(config.connectionTimeoutMs, 10_000);
    assert.equal(config.perRequestDeadlineMs, 30_000);
    assert.equal(config.rateLimitPerMinute, 0);
    assert.equal(config.trustProxy, false);
  });

  it('reads the environment, then overrides', () => {
    const config = loadServerConfig({ PORT: '0', HOST: '127.0.0.1', MASKSERVE_RATE_LIMIT: '60', MASKSERVE_TRUST_PROXY: 'true' }, { host: '::1', port: undefined });
    assert.equal(config.port, 0);
    assert.equal(config.host, '::1');
    assert.equal(config.rateLimitPerMinute, 60);
    assert.equal(config.trustProxy, true);
    assert.equal(DEFAULT_SERVER_CONFIG.port, 8080);
  });

  it('rejects invalid values naming the variable', () => {
    assert.throws(() => loadServerConfig({ PORT: 'eighty' }), /Expected an integer between 0 and 65535 for PORT but received "eighty"/);
    assert.throws(() => loadServerConfig({ MASKSERVE_TRUST_PROXY: 'maybe' }), /MASKSERVE_TRUST_PROXY/);
  });
});

describe('parseRequestOptions', () => {
  it('accepts strings from forms and query strings', () => {
    const options = parseRequestOptions({ threshold: '0.3', maxDetections: '5', classes: 'circle, square', maskFormat: 'both', boxes: 'false', opacity: '0.25', format: 'jpg', imageId: '42', model: 'demo' });
    assert.equal(options.segment.threshold, 0.3);
    assert.equal(options.segment.maxDetections, 5);
    assert.deepEqual(options.segment.classes, ['circle', 'square']);
    assert.equal(options.maskFormat, 'both');
    assert.deepEqual(options.draw, { boxes: false, labels: true, masks: true, opacity: 0.25 });
    assert.equal(options.format, 'jpeg');
    assert.equal(options.imageId, 42);
    assert.equal(options.model, 'demo');
  });

  it('fails with sharp-style messages and lists valid option names', () => {
    assert.throws(() => parseRequestOptions({ threshold: '2' }), /Expected a number between 0 and 1 for threshold but received "2"/);
    assert.throws(() => parseRequestOptions({ maskFormat: 'png' }), /maskFormat/);
    assert.throws(() => parseRequestOptions({ format: 'gif' }), /for format/);
    assert.throws(() => parseRequestOptions({ treshold: '0.5' }), (error: MaskserveError) => error.code === 'INVALID_OPTION' && /"treshold"; valid options: threshold/.test(error.message));
  });
});
