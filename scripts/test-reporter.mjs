// A short reporter for node's test runner: one line per test file, every failure in full, the
// figures tests report with t.diagnostic(), then the totals (TAP-style `# tests N` lines, which
// CI reads) and a one-line summary. Replaces thousands of lines of TAP.
import { relative } from 'node:path';

const started = Date.now();

/** @param {AsyncIterable<{ type: string, data: any }>} source */
export default async function* reporter(source) {
  /** @type {Map<string, { tests: number, pass: number, fail: number, skip: number, ms: number }>} */
  const files = new Map();
  const totals = { tests: 0, suites: 0, pass: 0, fail: 0, skip: 0, todo: 0, cancelled: 0 };
  const fileOf = (data) => (data.file ? relative(process.cwd(), data.file) : '(runner)');
  const entry = (file) => {
    let found = files.get(file);
    if (!found) files.set(file, (found = { tests: 0, pass: 0, fail: 0, skip: 0, ms: 0 }));
    return found;
  };

  for await (const { type, data } of source) {
    if (type === 'test:diagnostic' && data.nesting > 0) {
      yield `  ${fileOf(data)}: ${data.message}\n`;
      continue;
    }
    if (type !== 'test:pass' && type !== 'test:fail') continue;
    const file = fileOf(data);
    const stats = entry(file);
    if (data.nesting === 0) stats.ms += data.details?.duration_ms ?? 0;
    if (data.details?.type === 'suite') {
      totals.suites += 1;
      // A suite fails on its own only when a hook (before/after) throws.
      if (type === 'test:fail' && data.details.error?.failureType !== 'subtestsFailed') yield failure(file, data);
      continue;
    }
    stats.tests += 1;
    totals.tests += 1;
    if (data.skip !== undefined && data.skip !== false) {
      stats.skip += 1;
      totals.skip += 1;
    } else if (data.todo !== undefined && data.todo !== false) totals.todo += 1;
    else if (type === 'test:pass') {
      stats.pass += 1;
      totals.pass += 1;
    } else {
      const cancelled = data.details?.error?.failureType === 'cancelledByParent';
      if (cancelled) totals.cancelled += 1;
      else {
        stats.fail += 1;
        totals.fail += 1;
      }
      yield failure(file, data);
    }
  }

  for (const [file, stats] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const mark = stats.fail > 0 ? 'FAIL' : 'ok  ';
    yield `${mark} ${file}  ${stats.pass}/${stats.tests}${stats.skip ? ` (${stats.skip} skipped)` : ''}  ${(stats.ms / 1000).toFixed(1)} s\n`;
  }
  const seconds = (Date.now() - started) / 1000;
  for (const [name, value] of Object.entries(totals)) yield `# ${name} ${value}\n`;
  yield `# duration_ms ${Math.round(seconds * 1000)}\n`;
  yield `${totals.fail === 0 && totals.cancelled === 0 ? 'PASS' : 'FAIL'}: ${files.size} files, ${totals.tests} tests, ${totals.pass} pass, ${totals.fail} fail` +
    `${totals.skip ? `, ${totals.skip} skipped` : ''}${totals.cancelled ? `, ${totals.cancelled} cancelled` : ''} in ${formatDuration(seconds)}\n`;
}

function failure(file, data) {
  const error = data.details?.error;
  const cause = error?.cause ?? error;
  const message = String(cause?.message ?? cause ?? 'failed').trimEnd();
  const stack = typeof cause?.stack === 'string' ? cause.stack.split('\n').filter((line) => /^\s+at /.test(line)).slice(0, 4).join('\n') : '';
  return `\nnot ok ${file}:${data.line ?? '?'} ${data.name}\n${indent(message)}\n${stack ? `${stack}\n` : ''}\n`;
}

function indent(text) {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

function formatDuration(seconds) {
  return seconds < 60 ? `${seconds.toFixed(1)} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}
