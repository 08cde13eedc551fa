// The display controls: score threshold, mask opacity, boxes and labels. They only change the
// view state; nothing here talks to the server.
import type { ViewState } from './view-state.js';

export interface ControlElements {
  readonly threshold: HTMLInputElement;
  readonly thresholdValue: HTMLOutputElement;
  readonly opacity: HTMLInputElement;
  readonly opacityValue: HTMLOutputElement;
  readonly boxes: HTMLInputElement;
  readonly labels: HTMLInputElement;
  readonly showAll: HTMLButtonElement;
}

export interface Controls {
  /** Reflects the state in the inputs (after a reset or a new result). */
  sync(view: ViewState): void;
}

export function wireControls(elements: ControlElements, update: (change: Partial<ViewState>) => void): Controls {
  const percent = (value: number): string => `${Math.round(value * 100)}%`;
  // 'input' fires on every step while dragging: the overlay follows the thumb live.
  elements.threshold.addEventListener('input', () => update({ threshold: Number(elements.threshold.value) }));
  elements.opacity.addEventListener('input', () => update({ opacity: Number(elements.opacity.value) }));
  elements.boxes.addEventListener('change', () => update({ boxes: elements.boxes.checked }));
  elements.labels.addEventListener('change', () => update({ labels: elements.labels.checked }));
  elements.showAll.addEventListener('click', () => update({ hiddenClasses: new Set(), hiddenInstances: new Set() }));

  return {
    sync(view) {
      elements.threshold.value = String(view.threshold);
      elements.thresholdValue.value = percent(view.threshold);
      elements.threshold.setAttribute('aria-valuetext', `${percent(view.threshold)} minimum score`);
      elements.opacity.value = String(view.opacity);
      elements.opacityValue.value = percent(view.opacity);
      elements.opacity.setAttribute('aria-valuetext', `${percent(view.opacity)} opacity`);
      elements.boxes.checked = view.boxes;
      elements.labels.checked = view.labels;
      elements.showAll.disabled = view.hiddenClasses.size === 0 && view.hiddenInstances.size === 0;
    },
  };
}
