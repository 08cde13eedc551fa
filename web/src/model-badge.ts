// The header badge: which model answers (id and family) and, for the bundled demo model, how
// to get real COCO objects.
import { textSpan } from './dom.js';
import type { ModelInfo } from './types.js';

export function renderModelBadge(root: HTMLElement, model: ModelInfo | undefined, failure?: string): void {
  root.replaceChildren();
  if (!model) {
    root.append(textSpan('badge-chip is-muted', failure ?? 'No model loaded'));
    return;
  }
  const chip = textSpan('badge-chip', '');
  chip.append(textSpan('badge-dot', ''), textSpan('badge-id', model.id), textSpan('badge-family', model.family));
  chip.title = `Model ${model.id} (${model.family}), ${model.classes.filter((name) => name !== '__background').length} classes`;
  root.append(chip);
  // The server words the notice (class list, how to get COCO objects): one text everywhere.
  if (model.isDemo && model.notice) root.append(noticeWithCode(model.notice));
}

/**
 * With the demo model, the page's own headline must not promise "every object": it says what
 * this model finds, and the lede carries the notice (class list, how to get COCO objects).
 */
export function announceDemo(notice: string): void {
  const heading = document.getElementById('input-heading');
  const lede = document.querySelector<HTMLElement>('.input-panel .lede');
  if (heading) heading.textContent = 'Find the drawn shapes in an image (demo model)';
  if (lede) {
    lede.replaceChildren(noticeWithCode(notice));
    lede.classList.add('is-demo');
  }
}

/** The notice with `backticked` parts shown as code, built from text nodes (never innerHTML). */
function noticeWithCode(notice: string): HTMLElement {
  const paragraph = textSpan('badge-notice', '');
  notice.split('`').forEach((part, index) => {
    if (index % 2 === 1) {
      const code = document.createElement('code');
      code.textContent = part;
      paragraph.append(code);
    } else {
      paragraph.append(part);
    }
  });
  return paragraph;
}
