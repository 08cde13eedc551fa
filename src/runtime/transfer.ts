// Moving typed arrays between threads without copying them. postMessage (which piscina uses)
// transfers an ArrayBuffer, detaching it on the sending side, only when it is listed; anything
// not listed is copied by the structured clone.
import type { Piscina } from 'piscina';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import type { Instances, TensorData } from '../types.js';

/**
 * The distinct ArrayBuffers that the views cover entirely. A view into a larger buffer (Node's
 * pooled Buffers, a slice) is left to be copied, so unrelated data is never taken from its owner.
 */
export function wholeBuffersOf(views: Iterable<ArrayBufferView>): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const view of views) {
    const buffer = view.buffer;
    if (buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buffer.byteLength && buffer.byteLength > 0) {
      buffers.add(buffer);
    }
  }
  return [...buffers];
}

export function tensorViews(tensors: Readonly<Record<string, TensorData>>): ArrayBufferView[] {
  return Object.values(tensors).map((tensor) => tensor.data);
}

export function instanceViews(instances: Instances): ArrayBufferView[] {
  return [instances.boxes, instances.scores, instances.classIds, ...(instances.masks ?? []).map((mask) => mask.data)];
}

/** A worker task's result that piscina sends with its buffers transferred; the caller receives T. */
export type Transferring<T> = { readonly __resolvesTo?: T };

/** Wraps a worker task's result so piscina transfers `buffers` with it (the caller receives `value`). */
export function transferring<T>(value: T, buffers: ArrayBuffer[]): Transferring<T> {
  return move({ [transferableSymbol]: buffers, [valueSymbol]: value as object }) as Transferring<T>;
}

/**
 * Runs a named task with `transferList` moved to the worker. Buffers owned by native code
 * (external backing stores) cannot be detached: then the task is sent again as a copy.
 */
export async function runMoving<T>(piscina: Piscina, name: string, task: unknown, transferList: ArrayBuffer[]): Promise<T> {
  try {
    return (await piscina.run(task, { name, transferList })) as T;
  } catch (error) {
    if (transferList.length > 0 && (error as Error)?.name === 'DataCloneError') return (await piscina.run(task, { name })) as T;
    throw error;
  }
}
