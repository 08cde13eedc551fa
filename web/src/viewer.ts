// The result stage: the photo on one canvas, the overlay on a second one above it (so filter
// changes only repaint the overlay), both at the image's own resolution and scaled by CSS.
// Pointer hover (or a tap on touch screens) picks the instance under it and shows a tooltip.
import { instanceAt } from './hit-test.js';
import { drawOverlay, type PreparedInstance, type Scale } from './overlay.js';
import type { ViewState } from './view-state.js';

export interface ViewerElements {
  readonly stage: HTMLElement;
  readonly photo: HTMLCanvasElement;
  readonly overlay: HTMLCanvasElement;
  readonly tooltip: HTMLElement;
}

export interface Viewer {
  /** Shows a new image; `source` null paints a neutral background of the result's size. */
  showImage(source: CanvasImageSource | null, width: number, height: number): void;
  render(visible: readonly PreparedInstance[], view: ViewState, scale: Scale): void;
}

export function createViewer(elements: ViewerElements, onPick: (id: number | null) => void): Viewer {
  const { stage, photo, overlay, tooltip } = elements;
  let visible: readonly PreparedInstance[] = [];
  let pointerPick = false; // the current focus came from the pointer (tooltip follows it)

  const toImage = (event: PointerEvent): { x: number; y: number } => {
    const rect = overlay.getBoundingClientRect();
    return { x: ((event.clientX - rect.left) * overlay.width) / rect.width, y: ((event.clientY - rect.top) * overlay.height) / rect.height };
  };

  const pick = (event: PointerEvent): PreparedInstance | undefined => {
    const { x, y } = toImage(event);
    return instanceAt(visible, x, y);
  };

  stage.addEventListener('pointermove', (event) => {
    if (event.pointerType === 'touch') return; // touch picks on tap, not while scrolling
    const hit = pick(event);
    pointerPick = hit !== undefined;
    onPick(hit?.id ?? null);
    if (hit) placeTooltip(event.clientX, event.clientY);
  });
  stage.addEventListener('pointerleave', (event) => {
    if (event.pointerType === 'touch' || !pointerPick) return;
    pointerPick = false;
    onPick(null);
  });
  stage.addEventListener('pointerup', (event) => {
    if (event.pointerType !== 'touch') return;
    const hit = pick(event);
    pointerPick = hit !== undefined;
    onPick(hit?.id ?? null);
    if (hit) placeTooltip(event.clientX, event.clientY);
  });

  /** Tooltip above the pointer (a finger would hide it below), below when there is no room. */
  function placeTooltip(clientX: number, clientY: number): void {
    const rect = stage.getBoundingClientRect();
    const x = clientX - rect.left;
    const y = clientY - rect.top;
    const above = y - tooltip.offsetHeight - 14;
    positionTooltip(x + 12, above >= 4 ? above : y + 20);
  }

  function positionTooltip(left: number, top: number): void {
    const maxLeft = stage.clientWidth - tooltip.offsetWidth - 4;
    const maxTop = stage.clientHeight - tooltip.offsetHeight - 4;
    tooltip.style.left = `${Math.max(4, Math.min(left, maxLeft))}px`;
    tooltip.style.top = `${Math.max(4, Math.min(top, maxTop))}px`;
  }

  function updateTooltip(focused: PreparedInstance | undefined): void {
    if (!focused) {
      tooltip.hidden = true;
      return;
    }
    const { instance } = focused;
    tooltip.replaceChildren(
      element('strong', 'tooltip-title', instance.label),
      element('span', 'tooltip-row', `Score ${(instance.score * 100).toFixed(1)}%`),
      element('span', 'tooltip-row', `Area ${instance.area.toLocaleString('en-US')} px`),
    );
    tooltip.style.setProperty('--swatch', `rgb(${focused.color.join(',')})`);
    tooltip.hidden = false;
    if (!pointerPick) {
      // Keyboard focus: anchor the tooltip under the instance's box instead of the pointer.
      const [x, y, , h] = instance.bbox;
      const scale = stage.clientWidth / overlay.width;
      positionTooltip(x * scale, (y + h) * scale + 6);
    }
  }

  return {
    showImage(source, width, height) {
      for (const canvas of [photo, overlay]) {
        canvas.width = width;
        canvas.height = height;
      }
      // Fit the stage in the viewport: full column width, but never taller than ~75% of the screen.
      stage.style.aspectRatio = `${width} / ${height}`;
      stage.style.width = `min(100%, calc(75vh * ${(width / height).toFixed(5)}))`;
      const ctx = photo.getContext('2d')!;
      if (source) {
        ctx.drawImage(source, 0, 0, width, height); // stretches a mismatched source onto the result's frame
      } else {
        ctx.fillStyle = '#8a8f98';
        ctx.fillRect(0, 0, width, height);
      }
    },
    render(nextVisible, view, scale) {
      visible = nextVisible;
      const ctx = overlay.getContext('2d')!;
      ctx.clearRect(0, 0, overlay.width, overlay.height);
      drawOverlay(ctx, visible, view, scale);
      const focused = visible.find((item) => item.id === view.focusedId);
      if (!focused) pointerPick = false;
      stage.classList.toggle('has-focus', focused !== undefined);
      updateTooltip(focused);
    },
  };
}

function element(tag: string, className: string, text: string): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}
