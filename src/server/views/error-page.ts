// The failure page for browsers (seed parity, done properly): the real HTTP status, what went
// wrong in words, and a way back. Only the problem's public fields are shown.
import { escapeHtml, renderPage } from './layout.js';

export interface ErrorPageModel {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly code: string;
}

export function renderErrorPage(problem: ErrorPageModel): string {
  return renderPage(
    `${problem.status} ${problem.title} — maskserve`,
    `<h1>${escapeHtml(problem.title)}</h1>
<div class="error" role="alert">
<p>${escapeHtml(problem.detail)}</p>
<p>HTTP ${problem.status} · <code>${escapeHtml(problem.code)}</code></p>
</div>
<p><a href="/">← Back to the upload page</a></p>`,
  );
}
