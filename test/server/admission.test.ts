// Admission limits, checked from the headers alone: count (workers + queue), time (the inference
// ahead must end within half the deadline) and memory (request bodies in flight).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MaskserveError } from '../../src/errors.js';
import { loadServerConfig } from '../../src/server/config.js';
import { Admission, type AdmissionLimits } from '../../src/server/plugins/admission.js';

const LIMITS: AdmissionLimits = { capacity: 10, workers: 1, maxExpectedMs: 1000, bodyBytes: 1000 };

function admitAll(admission: Admission, count: number, bodyBytes = 1): (() => void)[] {
  return Array.from({ length: count }, () => {
    const admitted = admission.tryAdmit(bodyBytes);
    assert.equal(typeof admitted, 'function', admitted instanceof Error ? admitted.message : '');
    return admitted as () => void;
  });
}

function refusalOf(result: (() => void) | MaskserveError): MaskserveError {
  assert.ok(result instanceof MaskserveError, 'expected a refusal');
  assert.equal(result.code, 'QUEUE_FULL');
  assert.ok(Number(result.details.retryAfter) >= 1);
  return result;
}

describe('admission', () => {
  it('admits as many as the count allows when the model is fast', () => {
    const admission = new Admission(LIMITS, () => 10);
    admitAll(admission, 10);
    assert.match(refusalOf(admission.tryAdmit(1)).message, /at capacity \(10 requests in progress\)/);
  });

  it('admits only what can be served within half the deadline when the model is slow', () => {
    const admission = new Admission(LIMITS, () => 300);
    // Ahead of the 4th: 3 x 300 ms, plus its own 300 ms = 1200 ms > 1000 ms.
    admitAll(admission, 3);
    assert.match(refusalOf(admission.tryAdmit(1)).message, /3 requests ahead of this one need about 1\.2 s, more than half the request deadline/);
  });

  it('always gives a free worker a request, however slow the model', () => {
    const admission = new Admission({ ...LIMITS, workers: 2 }, () => 5000);
    admitAll(admission, 2);
    refusalOf(admission.tryAdmit(1));
  });

  it('bounds the request bodies in flight, and gives their bytes back on release', () => {
    const admission = new Admission(LIMITS, () => 10);
    const [first] = admitAll(admission, 1, 600);
    assert.match(refusalOf(admission.tryAdmit(600)).message, /request bodies in progress already hold/);
    admitAll(admission, 1, 400);
    first!();
    first!(); // twice is harmless
    admitAll(admission, 1, 600);
  });

  it('frees the slot on release', () => {
    const admission = new Admission({ ...LIMITS, capacity: 1 }, () => 10);
    const [release] = admitAll(admission, 1);
    refusalOf(admission.tryAdmit(1));
    release!();
    admitAll(admission, 1);
  });

  it('refuses a body budget smaller than the upload limit at start-up', () => {
    assert.throws(
      () => loadServerConfig({ MASKSERVE_MAX_UPLOAD_BYTES: '2000', MASKSERVE_MAX_BODY_BYTES_IN_FLIGHT: '1000' }),
      /Expected at least MASKSERVE_MAX_UPLOAD_BYTES \(2000\) for MASKSERVE_MAX_BODY_BYTES_IN_FLIGHT/,
    );
  });
});
