// The API's JSON shapes as the browser sees them. Result and model types come from the server's
// own schemas (src/contracts.ts, type-only: nothing is bundled), so UI and API cannot drift apart.
import type { CocoResult, CocoRle, ModelInfo, ResultInstance, ResultJson } from '../../src/contracts.js';

export type { CocoResult, CocoRle, ModelInfo, ResultInstance, ResultJson };

/** One entry of GET /api/v1/samples. */
export interface Sample {
  readonly name: string;
  readonly url: string;
}

/** RFC 9457 problem details as the server sends them. */
export interface Problem {
  readonly status: number;
  readonly title?: string;
  readonly detail?: string;
  readonly code?: string;
  readonly retryAfter?: number;
}

/** A mask decoded over its bounding region only (row-major 0/1 bytes). */
export interface MaskRegion {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
  /** Number of 1 pixels. */
  readonly area: number;
}
