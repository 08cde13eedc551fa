// Prometheus metrics, one registry per app (never prom-client's global one) so several apps in
// one process (tests, embedding) keep separate counts.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { QueueStats } from '../runtime/runtime.js';

export interface ServerMetrics {
  readonly registry: Registry;
  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void;
  observeInference(modelId: string, seconds: number): void;
  setModelLoadSeconds(modelId: string, seconds: number): void;
}

/** `admitted`: image requests admitted and not yet answered (they may still be reading, decoding or queued). */
export function createServerMetrics(queueStats: () => QueueStats, admitted: () => number): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'maskserve_' });

  const requests = new Counter({
    name: 'maskserve_http_requests_total',
    help: 'HTTP requests answered, by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'maskserve_http_request_duration_seconds',
    help: 'HTTP request latency, by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const inference = new Histogram({
    name: 'maskserve_inference_duration_seconds',
    help: 'Time spent in session.run (worker thread), by model',
    labelNames: ['model'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  });
  const modelLoad = new Gauge({
    name: 'maskserve_model_load_seconds',
    help: 'Seconds spent loading each model at startup',
    labelNames: ['model'] as const,
    registers: [registry],
  });
  // Read on scrape so the value is current, not whatever it was at the last request.
  new Gauge({
    name: 'maskserve_inference_queue_depth',
    help: 'Inference tasks waiting for a worker',
    registers: [registry],
    collect() {
      this.set(queueStats().queued);
    },
  });
  new Gauge({
    name: 'maskserve_admitted_requests',
    help: 'Image requests admitted and not yet answered (reading, decoding, queued or running)',
    registers: [registry],
    collect() {
      this.set(admitted());
    },
  });
  new Gauge({
    name: 'maskserve_inference_running',
    help: 'Inference tasks running in workers',
    registers: [registry],
    collect() {
      this.set(queueStats().running);
    },
  });

  return {
    registry,
    observeRequest({ method, route, status }, seconds) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      latency.observe(labels, seconds);
    },
    observeInference(modelId, seconds) {
      inference.observe({ model: modelId }, seconds);
    },
    setModelLoadSeconds(modelId, seconds) {
      modelLoad.set({ model: modelId }, seconds);
    },
  };
}
