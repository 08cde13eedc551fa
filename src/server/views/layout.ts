// The one HTML shell for server-rendered pages. Works with JavaScript disabled; every dynamic
// value goes through escapeHtml so user input (URLs, messages) can never inject markup.

const ESCAPES: Readonly<Record<string, string>> = Object.freeze({
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
});

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] ?? char);
}

const STYLE = `
  body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #1d2330; }
  h1 { font-size: 1.6rem; margin-bottom: .25rem; }
  form { border: 1px solid #cfd5e0; border-radius: .5rem; padding: 1rem; margin: 1rem 0; }
  label { display: block; font-weight: 600; margin-bottom: .5rem; }
  input[type=url] { width: 100%; box-sizing: border-box; padding: .4rem; }
  button { margin-top: .75rem; padding: .4rem 1rem; }
  .notice { background: #fff6d6; border-left: 4px solid #e2b100; padding: .5rem 1rem; }
  .error { background: #fde8e8; border-left: 4px solid #c62828; padding: .5rem 1rem; }
  code { background: #eef1f6; padding: 0 .25rem; }
`;

/** A complete page; `body` must already be escaped HTML. */
export function renderPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
