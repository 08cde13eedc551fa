// The instance list: one group per class with a class checkbox (the class filter) and one
// checkbox per instance above the score threshold. Focusing or hovering a row highlights its
// instance on the image; Space (native) and Enter toggle it.
import { cssColor } from '../../src/output/colors.js';
import { textSpan } from './dom.js';
import type { PreparedInstance } from './overlay.js';
import { aboveThreshold, groupByClass, visibleInstances, type ViewState } from './view-state.js';

export interface InstanceListCallbacks {
  toggleClass(label: string, visible: boolean): void;
  toggleInstance(id: number, visible: boolean): void;
  focus(id: number | null): void;
}

export interface InstanceList {
  render(prepared: readonly PreparedInstance[], view: ViewState): void;
}

export function createInstanceList(root: HTMLElement, callbacks: InstanceListCallbacks): InstanceList {
  let renderedKey = '';

  root.addEventListener('change', (event) => {
    const input = event.target as HTMLInputElement;
    if (input.dataset.classLabel !== undefined) callbacks.toggleClass(input.dataset.classLabel, input.checked);
    if (input.dataset.instanceId !== undefined) callbacks.toggleInstance(Number(input.dataset.instanceId), input.checked);
  });
  root.addEventListener('keydown', (event) => {
    const input = event.target as HTMLElement;
    if (event.key === 'Enter' && input instanceof HTMLInputElement && input.type === 'checkbox') {
      event.preventDefault(); // Enter would otherwise do nothing on a checkbox
      input.click();
    }
  });
  const rowId = (target: EventTarget | null): number | null => {
    const row = (target as HTMLElement | null)?.closest<HTMLElement>('[data-row-id]');
    return row ? Number(row.dataset.rowId) : null;
  };
  root.addEventListener('focusin', (event) => callbacks.focus(rowId(event.target)));
  root.addEventListener('focusout', (event) => {
    if (!root.contains(event.relatedTarget as Node | null)) callbacks.focus(null);
  });
  root.addEventListener('pointerover', (event) => {
    const id = rowId(event.target);
    if (id !== null) callbacks.focus(id);
  });
  root.addEventListener('pointerleave', () => {
    if (!root.contains(document.activeElement)) callbacks.focus(null);
  });

  return {
    render(prepared, view) {
      const listed = aboveThreshold(prepared.map((item) => ({ ...item.instance, color: item.color })), view);
      // Rebuild only when the rows change (threshold moved past a score); otherwise just sync
      // states, so focus and scroll position survive every slider step.
      // The total is part of the key: an empty list must say "no objects" or "lower the score"
      // for this result, not keep the previous result's note.
      const key = `${prepared.length}:${listed.map((item) => item.id).join(',')}`;
      if (key !== renderedKey) {
        renderedKey = key;
        root.replaceChildren(listed.length === 0 ? emptyNote(prepared.length) : buildGroups(listed));
      }
      const shown = new Set(visibleInstances(listed, view).map((item) => item.id));
      for (const input of root.querySelectorAll<HTMLInputElement>('input[data-class-label]')) {
        input.checked = !view.hiddenClasses.has(input.dataset.classLabel!);
      }
      for (const row of root.querySelectorAll<HTMLElement>('[data-row-id]')) {
        const id = Number(row.dataset.rowId);
        const input = row.querySelector('input')!;
        input.checked = !view.hiddenInstances.has(id);
        row.classList.toggle('is-hidden', !shown.has(id));
        row.classList.toggle('is-focused', view.focusedId === id);
      }
    },
  };
}

type ListedInstance = PreparedInstance['instance'] & { color: PreparedInstance['color'] };

function buildGroups(listed: readonly ListedInstance[]): HTMLElement {
  const groups = document.createElement('ul');
  groups.className = 'class-groups';
  for (const group of groupByClass(listed)) {
    const item = document.createElement('li');
    item.className = 'class-group';
    item.style.setProperty('--class-color', cssColor(group.instances[0].color));
    const head = document.createElement('label');
    head.className = 'class-head';
    head.append(checkbox({ classLabel: group.label }, `Show class ${group.label}`), swatch(), textSpan('class-name', group.label), textSpan('class-count', String(group.instances.length)));
    const rows = document.createElement('ul');
    rows.className = 'instance-rows';
    for (const instance of group.instances) {
      const row = document.createElement('li');
      row.className = 'instance-row';
      row.dataset.rowId = String(instance.id);
      const label = document.createElement('label');
      const score = `${Math.round(instance.score * 100)}%`;
      label.append(
        checkbox({ instanceId: String(instance.id) }, `${instance.label} #${instance.id}, score ${score}, area ${instance.area} pixels`),
        textSpan('instance-name', `#${instance.id}`), // the group header already names the class
        textSpan('instance-score', score),
        textSpan('instance-area', `${instance.area.toLocaleString('en-US')} px`),
      );
      row.append(label);
      rows.append(row);
    }
    item.append(head, rows);
    groups.append(item);
  }
  return groups;
}

function checkbox(data: Record<string, string>, accessibleName: string): HTMLInputElement {
  const input = document.createElement('input');
  input.type = 'checkbox';
  input.checked = true;
  input.setAttribute('aria-label', accessibleName);
  Object.assign(input.dataset, data);
  return input;
}

function swatch(): HTMLElement {
  const node = document.createElement('span');
  node.className = 'swatch';
  node.setAttribute('aria-hidden', 'true');
  return node;
}

function emptyNote(total: number): HTMLElement {
  const note = document.createElement('p');
  note.className = 'empty-note';
  note.textContent = total === 0 ? 'No objects found in this image.' : 'No instance reaches this score. Lower the minimum score to see more.';
  return note;
}
