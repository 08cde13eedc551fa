// Runtime sizing: how many worker threads, how many onnxruntime threads each, which execution
// provider, how deep the queue. One place for defaults and validation (environment and code).
//
// Defaults follow the measurements in notes/measured-2026-11.md: one worker using every core in
// sequential execution mode beats splitting the cores (3.1 s vs 5.5 s per Mask R-CNN image on 2
// cores). More workers only pay off for small models and many concurrent requests.
//
// CUDA: MASKSERVE_EXECUTION_PROVIDER=cuda asks for ['cuda', 'cpu'] (CPU takes the operators CUDA
// lacks). onnxruntime-node ships only the CPU binary; the CUDA provider libraries are fetched by
// its install script, which this repository's .npmrc skips (ignore-scripts). Fetch them with
//   ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node --ignore-scripts=false
// CUDA 12 and cuDNN 9 must be installed on the machine.
import { availableParallelism } from 'node:os';
import { invalidParameter } from '../errors.js';
import type { ExecutionProvider, RuntimeOptions } from './runtime.js';

/**
 * A memory backstop more than a policy: the server also admits a request only when the inference
 * ahead of it should end within half its deadline, which for any model slower than ~120 ms per
 * image (30 s / 2 / 128) is the tighter limit.
 */
export const DEFAULT_MAX_QUEUE = 128;

/** The upper bound accepted for MASKSERVE_MAX_QUEUE / maxQueue (a queue deeper than this only adds latency). */
export const MAX_QUEUE_LIMIT = 10_000;

type Env = Readonly<Record<string, string | undefined>>;

/** Loose input (code or environment): every field is checked by resolveRuntimeOptions. */
export type RuntimeOptionsInput = { readonly [K in keyof RuntimeOptions]?: unknown };

/** Options from MASKSERVE_WORKERS, MASKSERVE_INTRA_OP_THREADS, MASKSERVE_EXECUTION_PROVIDER, MASKSERVE_MAX_QUEUE. */
export function defaultRuntimeOptions(env: Env = process.env, cores = availableParallelism()): RuntimeOptions {
  return resolveRuntimeOptions(environmentRuntimeOptions(env), cores, envNames);
}

/** Only what the environment sets, unvalidated (code-given options are merged over it, then resolved). */
export function environmentRuntimeOptions(env: Env = process.env): RuntimeOptionsInput {
  return {
    ...optionalInteger(env, 'MASKSERVE_WORKERS', 'workers'),
    ...optionalInteger(env, 'MASKSERVE_INTRA_OP_THREADS', 'intraOpThreads'),
    ...optionalInteger(env, 'MASKSERVE_MAX_QUEUE', 'maxQueue'),
    ...(blank(env.MASKSERVE_EXECUTION_PROVIDER) ? {} : { executionProvider: env.MASKSERVE_EXECUTION_PROVIDER.trim() }),
  };
}

const envNames = Object.freeze({
  workers: 'MASKSERVE_WORKERS',
  intraOpThreads: 'MASKSERVE_INTRA_OP_THREADS',
  maxQueue: 'MASKSERVE_MAX_QUEUE',
  executionProvider: 'MASKSERVE_EXECUTION_PROVIDER',
});

const codeNames = Object.freeze({
  workers: 'workers',
  intraOpThreads: 'intraOpThreads',
  maxQueue: 'maxQueue',
  executionProvider: 'executionProvider',
});

/**
 * Completes and validates options: workers default to 1, intra-op threads to the cores left per
 * worker, and workers x intraOpThreads must not exceed the cores (oversubscription makes every
 * request slower, see the module comment).
 */
export function resolveRuntimeOptions(
  options: RuntimeOptionsInput,
  cores = availableParallelism(),
  names: Readonly<Record<keyof RuntimeOptions, string>> = codeNames,
): RuntimeOptions {
  const workers = integerIn(options.workers ?? 1, names.workers, 1, cores);
  const maxThreads = Math.max(1, Math.floor(cores / workers));
  const intraOpThreads = integerIn(options.intraOpThreads ?? maxThreads, names.intraOpThreads, 1, maxThreads);
  const maxQueue = integerIn(options.maxQueue ?? DEFAULT_MAX_QUEUE, names.maxQueue, 0, MAX_QUEUE_LIMIT);
  const provider = executionProvider(options.executionProvider ?? 'cpu', names.executionProvider);
  return Object.freeze({ workers, intraOpThreads, executionProvider: provider, maxQueue });
}

/** onnxruntime execution providers to ask for, best first. */
export function executionProviders(provider: ExecutionProvider): string[] {
  return provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'];
}

function integerIn(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidParameter(`an integer between ${min} and ${max}`, name, value);
  }
  return value;
}

function executionProvider(value: unknown, name: string): ExecutionProvider {
  if (value === 'cpu' || value === 'cuda') return value;
  throw invalidParameter('one of cpu, cuda', name, value);
}

function blank(value: string | undefined): value is undefined {
  return value === undefined || value.trim() === '';
}

/** Environment strings become numbers here; anything not a plain integer keeps its text for the error. */
function optionalInteger(env: Env, variable: string, key: keyof RuntimeOptions): RuntimeOptionsInput {
  const text = env[variable];
  if (blank(text)) return {};
  const trimmed = text.trim();
  return { [key]: /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed };
}
