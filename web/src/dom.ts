// Small DOM builders shared by the UI's components.

/** A `<span>` with a class and plain-text content (textContent: never parsed as HTML). */
export function textSpan(className: string, content: string): HTMLElement {
  const node = document.createElement('span');
  node.className = className;
  node.textContent = content;
  return node;
}
