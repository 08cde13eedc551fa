// Everything the user can change after a result arrived. Filtering is pure and local: moving a
// slider never calls the model again, because the one request asked for every instance down to
// REQUEST_THRESHOLD.
import type { ResultInstance } from './types.js';

/** The score floor of the single /api/v1/segment request; the slider cannot go below it. */
export const REQUEST_THRESHOLD = 0.05;
export const DEFAULT_THRESHOLD = 0.5;
export const DEFAULT_OPACITY = 0.45;

export interface ViewState {
  readonly threshold: number;
  readonly opacity: number;
  readonly boxes: boolean;
  readonly labels: boolean;
  readonly hiddenClasses: ReadonlySet<string>;
  readonly hiddenInstances: ReadonlySet<number>;
  /** Instance under the pointer or keyboard focus, drawn highlighted. */
  readonly focusedId: number | null;
}

export function initialViewState(): ViewState {
  return {
    threshold: DEFAULT_THRESHOLD,
    opacity: DEFAULT_OPACITY,
    boxes: true,
    labels: true,
    hiddenClasses: new Set(),
    hiddenInstances: new Set(),
    focusedId: null,
  };
}

/** Instances at or above the score threshold: the ones the list offers. */
export function aboveThreshold<T extends Pick<ResultInstance, 'score'>>(instances: readonly T[], view: Pick<ViewState, 'threshold'>): T[] {
  // A hair of tolerance so "0.50" on the slider keeps a score the server rounded to 0.5.
  return instances.filter((instance) => instance.score >= view.threshold - 1e-9);
}

/** Instances drawn and exported: above the threshold and neither their class nor they are hidden. */
export function visibleInstances<T extends Pick<ResultInstance, 'id' | 'label' | 'score'>>(instances: readonly T[], view: ViewState): T[] {
  return aboveThreshold(instances, view).filter(
    (instance) => !view.hiddenClasses.has(instance.label) && !view.hiddenInstances.has(instance.id),
  );
}

export interface ClassGroup<T> {
  readonly label: string;
  readonly instances: T[];
}

/** Groups by class, biggest group first (ties by name) so the list reads like the counts. */
export function groupByClass<T extends Pick<ResultInstance, 'label'>>(instances: readonly T[]): ClassGroup<T>[] {
  const groups = new Map<string, T[]>();
  for (const instance of instances) {
    const group = groups.get(instance.label) ?? [];
    group.push(instance);
    groups.set(instance.label, group);
  }
  return [...groups].map(([label, members]) => ({ label, instances: members })).sort((a, b) => b.instances.length - a.instances.length || a.label.localeCompare(b.label));
}

/** Toggles membership in an immutable set (view state is replaced, never mutated). */
export function toggled<T>(set: ReadonlySet<T>, item: T, present: boolean): Set<T> {
  const next = new Set(set);
  if (present) next.add(item);
  else next.delete(item);
  return next;
}
