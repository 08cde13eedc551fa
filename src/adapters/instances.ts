// What every adapter does at the end of postprocess: validate the class filter against the
// model's names, and freeze the parallel Instances arrays.
import { invalidParameter, MaskserveError } from '../errors.js';
import { positiveNumber, readValue } from '../options/values.js';
import type { BinaryMask, Instances, ModelCard, Size } from '../types.js';

/**
 * Allowed class ids as a lookup table, or undefined for "all classes".
 * Unknown names fail listing the valid ones; `skip` ids (the background) are never selectable.
 */
export function classFilter(
  classNames: readonly string[],
  requested: readonly string[] | undefined,
  skip: readonly number[] = [],
  optionName = 'classes',
): Uint8Array | undefined {
  if (requested === undefined) return undefined;
  const allowed = new Uint8Array(classNames.length);
  const valid = classNames.filter((_, i) => !skip.includes(i));
  for (const name of requested) {
    let found = false;
    classNames.forEach((candidate, i) => {
      if (candidate === name && !skip.includes(i)) {
        allowed[i] = 1;
        found = true;
      }
    });
    if (!found) throw invalidParameter(`class names from this model (${valid.join(', ')})`, optionName, name);
  }
  return allowed;
}

export interface InstanceParts {
  readonly imageSize: Size;
  readonly classNames: readonly string[];
  readonly categoryIds: readonly number[];
  readonly boxes: Float32Array;
  readonly scores: Float32Array;
  readonly classIds: Int32Array;
  /** Absent for box-only families. */
  readonly masks?: readonly BinaryMask[];
}

/**
 * The Instances every family hands on: parallel fields checked for equal length, frozen, and in
 * descending score order (stable), the one place that order is made: encoders and renderers
 * read instances in index order.
 */
export function makeInstances(parts: InstanceParts): Instances {
  const n = parts.scores.length;
  if (parts.boxes.length !== n * 4 || parts.classIds.length !== n || (parts.masks !== undefined && parts.masks.length !== n)) {
    throw new MaskserveError('INTERNAL', 'Instances fields have different lengths');
  }
  const order = Array.from(parts.scores, (_, i) => i).sort((a, b) => parts.scores[b] - parts.scores[a] || a - b);
  const sorted = order.every((index, k) => index === k);
  const masks = parts.masks === undefined ? undefined : Object.freeze(sorted ? [...parts.masks] : order.map((i) => parts.masks![i]));
  return Object.freeze({
    ...parts,
    ...(sorted
      ? {}
      : {
          boxes: Float32Array.from(order.flatMap((i) => Array.from(parts.boxes.subarray(i * 4, i * 4 + 4)))),
          scores: Float32Array.from(order, (i) => parts.scores[i]),
          classIds: Int32Array.from(order, (i) => parts.classIds[i]),
        }),
    ...(masks === undefined ? {} : { masks }),
  });
}

/** Class names from a card, validated (non-empty array of strings). */
export function cardClasses(card: ModelCard): readonly string[] | undefined {
  if (card.classes === undefined) return undefined;
  if (!Array.isArray(card.classes) || card.classes.length === 0 || !card.classes.every((c) => typeof c === 'string')) {
    throw invalidParameter('a non-empty array of class names', 'model card classes', card.classes);
  }
  return Object.freeze([...card.classes]);
}

/** category_id per class from the card when given (same length as classes), else the default. */
export function cardCategoryIds(card: ModelCard, classNames: readonly string[], fallback: () => number[]): readonly number[] {
  const ids = card.categoryIds;
  if (ids === undefined) return Object.freeze(fallback());
  if (!Array.isArray(ids) || ids.length !== classNames.length || !ids.every((id) => Number.isInteger(id))) {
    throw invalidParameter(`an array of ${classNames.length} integer category ids`, 'model card categoryIds', ids);
  }
  return Object.freeze([...ids]);
}

/** A positive number from the card, else from metadata, else the default. */
export function positiveSetting(cardValue: unknown, metadataValue: string | undefined, fallback: number, name: string): number {
  const raw = cardValue ?? metadataValue;
  return raw === undefined ? fallback : readValue(positiveNumber(), raw, name);
}
