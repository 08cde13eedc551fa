// The no-JavaScript index page (seed parity): an upload form and a URL form, both answered by
// /detect with the annotated image. The Vite app's index.html carries the same two forms so the
// page keeps working when scripts are off.
import { escapeHtml, renderPage } from './layout.js';

export interface IndexPageModel {
  readonly id: string;
  readonly isDemo: boolean;
}

/** The two seed forms as a fragment (also embedded by the browser UI). */
export function detectFormsHtml(): string {
  return `<form action="/detect" method="post" enctype="multipart/form-data">
  <label for="file">Upload a photo</label>
  <input id="file" name="file" type="file" accept="image/*" required>
  <br><button type="submit">Detect objects</button>
</form>
<form action="/detect" method="get">
  <label for="url">…or give the URL of an image</label>
  <input id="url" name="url" type="url" placeholder="https://example.com/photo.jpg" required>
  <br><button type="submit">Detect objects</button>
</form>`;
}

export function renderIndexPage(model: IndexPageModel, demoNotice: string): string {
  const notice = model.isDemo ? `<p class="notice">${escapeHtml(demoNotice)}</p>` : '';
  return renderPage(
    'maskserve — instance segmentation',
    `<h1>maskserve</h1>
<p>Finds every object in a photo — class, score, box and pixel mask — and draws them over the image.
Model: <code>${escapeHtml(model.id)}</code>.</p>
${notice}
${detectFormsHtml()}
<p>API: <a href="/docs">OpenAPI documentation</a> · <a href="/api/v1/models">loaded models</a></p>`,
  );
}
