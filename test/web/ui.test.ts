// The browser UI end to end: a real server (demo model, worker pool) and headless Chromium.
// Upload -> overlay and list; hover -> highlight and tooltip; sliders filter without a new
// request; downloads; an error and a recovery; the no-JS forms; the phone layout.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import type { ResultJson } from '../../src/types.js';
import { instanceAt } from '../../web/src/hit-test.js';
import { decodeMaskRegion, distanceToEdge } from '../../web/src/rle.js';
import { HELDOUT_DIR, REPO_ROOT, ensureWebBuild, launchChromium, startUiServer, type RunningUi } from './helpers.js';

const SAMPLE = join(HELDOUT_DIR, 'shapes_0003.jpg');
const SCREENSHOTS = join(REPO_ROOT, 'test-output');

let server: RunningUi;
let browser: Browser;

before(async () => {
  ensureWebBuild();
  await mkdir(SCREENSHOTS, { recursive: true });
  server = await startUiServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens the UI and counts the segmentation requests the page makes. */
async function openUi(context: BrowserContext): Promise<{ page: Page; segmentRequests: () => number }> {
  const page = await context.newPage();
  let count = 0;
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/v1/segment') count++;
  });
  await page.goto(server.baseUrl);
  await page.locator('#model-badge .badge-id').waitFor();
  return { page, segmentRequests: () => count };
}

/** Uploads through the real file input and resolves with the result JSON the page received. */
async function upload(page: Page, path: string): Promise<ResultJson> {
  const response = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/segment' && r.request().method() === 'POST');
  await page.setInputFiles('#file', path);
  const result = (await (await response).json()) as ResultJson;
  // The status said "Uploading…" since the change event, so "Found" now is this upload's result.
  await page.locator('#status-text', { hasText: `Found ${result.instances.length} instance` }).waitFor();
  return result;
}

async function shownCount(page: Page): Promise<number> {
  const text = (await page.locator('#summary').textContent()) ?? '';
  return Number(/Showing (\d+) of/.exec(text)?.[1] ?? Number.NaN);
}

/**
 * A point (image pixels) on the smallest instance: its innermost mask pixel, or the box centre for an empty
 * mask, and the instance the UI's hit test must pick there.
 */
function targetPoint(result: ResultJson, minScore: number): { x: number; y: number; id: number; label: string } {
  const candidates = result.instances.filter((instance) => instance.score >= minScore).map((instance) => ({ id: instance.id, bbox: instance.bbox, region: decodeMaskRegion(instance.mask!) }));
  const size = (c: (typeof candidates)[number]) => (c.region.area > 0 ? c.region.area : c.bbox[2] * c.bbox[3]);
  const { region, bbox } = [...candidates].sort((a, b) => size(a) - size(b))[0];
  let point = { x: bbox[0] + bbox[2] / 2, y: bbox[1] + bbox[3] / 2 };
  if (region.area > 0) {
    // The pixel deepest inside the mask, so a tap on a scaled-down phone screen still lands on it.
    const distance = distanceToEdge(region);
    const index = distance.reduce((best, value, i) => (value > distance[best] ? i : best), 0);
    point = { x: region.x + (index % region.width) + 0.5, y: region.y + Math.floor(index / region.width) + 0.5 };
  }
  const expected = instanceAt(candidates, point.x, point.y)!;
  return { ...point, id: expected.id, label: result.instances.find((instance) => instance.id === expected.id)!.label };
}

/** Sets a range input the way a user drag ends: value + input event. */
async function setSlider(page: Page, selector: string, value: number): Promise<void> {
  await page.locator(selector).fill(String(value));
}

describe('browser UI (desktop)', () => {
  let context: BrowserContext;
  let page: Page;
  let segmentRequests: () => number;
  let result: ResultJson;

  before(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    ({ page, segmentRequests } = await openUi(context));
  });
  after(() => context.close());

  it('shows the model badge with the demo notice and offers samples', async () => {
    const { models } = (await server.app.inject({ url: '/api/v1/models' })).json() as { models: { id: string; family: string }[] };
    assert.equal(await page.locator('#model-badge .badge-id').textContent(), models[0].id);
    assert.equal(await page.locator('#model-badge .badge-family').textContent(), models[0].family);
    assert.match((await page.locator('#model-badge').textContent()) ?? '', /demo model: it only knows 6 synthetic shapes \(circle, triangle, square, star, hexagon, ring\), not real objects\. For 80 everyday COCO classes run maskserve models pull detectron2-mask-rcnn-r50-fpn-3x and restart/);
    // The page says what this model finds, with its classes, where the headline is.
    assert.equal(await page.locator('#input-heading').textContent(), 'Find the drawn shapes in an image (demo model)');
    assert.match((await page.locator('.input-panel .lede.is-demo').textContent()) ?? '', /only knows 6 synthetic shapes \(circle, triangle, square, star, hexagon, ring\)/);
    await page.locator('#sample-list .sample').first().waitFor();
    assert.equal(await page.locator('#sample-list .sample').count(), 12);
  });

  it('the drop zone is a button that opens the file picker from the keyboard', async () => {
    // Observe the picker being opened on the file input itself (and cancel the native dialog):
    // playwright's filechooser event races with the key press.
    await page.locator('#file').evaluate((input) => {
      input.addEventListener('click', (event: { preventDefault(): void }) => {
        event.preventDefault();
        input.dataset.opened = String(Number(input.dataset.opened ?? 0) + 1);
      });
    });
    await page.locator('#dropzone').focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Space');
    await page.locator('#file[data-opened="2"]').waitFor({ state: 'attached' });
  });

  it('uploads through the file input, then draws the overlay and lists the instances', async () => {
    // Record what the live status region says along the way (upload progress, then inference).
    await page.locator('#status-text').evaluate((node) => {
      const seen: string[] = (node.ownerDocument.defaultView.statusLog = []);
      new node.ownerDocument.defaultView.MutationObserver(() => seen.push(node.textContent)).observe(node, { childList: true, characterData: true, subtree: true });
    });
    result = await upload(page, SAMPLE);
    const statusLog = await page.locator('#status-text').evaluate((node) => node.ownerDocument.defaultView.statusLog as string[]);
    assert.ok(statusLog.some((text) => /^Uploading… \d+%$/.test(text)), statusLog.join(' | '));
    assert.ok(statusLog.includes('Running model…'), statusLog.join(' | '));
    assert.ok(statusLog.indexOf('Running model…') > statusLog.findIndex((text) => text.startsWith('Uploading')));
    assert.ok(result.instances.length > 0, 'the demo model finds instances in a held-out image');
    assert.equal(segmentRequests(), 1);
    await setSlider(page, '#threshold', 0.05);
    assert.equal(await shownCount(page), result.instances.length);
    assert.equal(await page.locator('#instance-list .instance-row').count(), result.instances.length);
    // The overlay canvas has painted pixels and the photo canvas has the result's size.
    // In-page code reaches the DOM through the element (the project's typecheck has no DOM lib).
    const painted = await page.locator('#overlay').evaluate((canvas) => {
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let count = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) count++;
      return { count, width: canvas.width as number, height: canvas.height as number };
    });
    assert.deepEqual([painted.width, painted.height], [result.image.width, result.image.height]);
    assert.ok(painted.count > 0);
  });

  it('hovering an instance highlights it and the tooltip names it', async () => {
    // The default threshold when the model is that confident, else about the eight best (a
    // readable screenshot while the demo model is still young).
    const ranked = result.instances.map((instance) => instance.score).sort((a, b) => b - a);
    const eighth = ranked[Math.min(7, ranked.length - 1)];
    const threshold = ranked[0] >= 0.5 ? 0.5 : Math.max(0.05, Math.floor(eighth * 100) / 100);
    await setSlider(page, '#threshold', threshold);
    const point = targetPoint(result, threshold);
    const box = (await page.locator('#overlay').boundingBox())!;
    await page.mouse.move(box.x + (point.x * box.width) / result.image.width, box.y + (point.y * box.height) / result.image.height);
    await page.locator('#tooltip:not([hidden])').waitFor();
    assert.equal(await page.locator('#tooltip .tooltip-title').textContent(), point.label);
    await page.locator(`.instance-row.is-focused[data-row-id="${point.id}"]`).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'ui-desktop.png') });
    // The dark scheme follows prefers-color-scheme with no reload.
    await page.emulateMedia({ colorScheme: 'dark' });
    const background = await page.locator('body').evaluate((body) => body.ownerDocument.defaultView.getComputedStyle(body).backgroundColor as string);
    assert.equal(background, 'rgb(15, 17, 23)');
    // The drop zone eases its background over 0.15 s: shoot once it has arrived.
    // A function, not a string: the page's CSP forbids eval, and Playwright evaluates strings with it.
    await page.waitForFunction(() => {
      const view = globalThis as unknown as { getComputedStyle(element: unknown): { backgroundColor: string }; document: { querySelector(selector: string): unknown } };
      return view.getComputedStyle(view.document.querySelector('#dropzone')).backgroundColor === 'rgb(31, 35, 48)';
    });
    await page.screenshot({ path: join(SCREENSHOTS, 'ui-desktop-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.mouse.move(2, 2);
    await page.locator('#tooltip').waitFor({ state: 'hidden' });
  });

  it('the score slider and class filter re-filter locally, without a new request', async () => {
    const requestsBefore = segmentRequests();
    const scores = result.instances.map((instance) => instance.score).sort((a, b) => a - b);
    const cut = scores.find((score) => score > scores[0]) ?? scores[0];
    await setSlider(page, '#threshold', Math.ceil(cut * 100) / 100);
    const expected = scores.filter((score) => score >= Math.ceil(cut * 100) / 100 - 1e-9).length;
    assert.equal(await shownCount(page), expected);
    assert.ok(expected < result.instances.length || scores[0] === scores.at(-1));
    assert.match((await page.locator('#summary').textContent()) ?? '', new RegExp(`^Showing ${expected} of ${result.instances.length} instances( \\(${result.instances.length - expected} below the ${Math.round(Math.ceil(cut * 100))} % minimum score\\))?$`));
    await setSlider(page, '#threshold', 0.05);
    const firstClass = page.locator('#instance-list input[data-class-label]').first();
    const label = await firstClass.getAttribute('data-class-label');
    await firstClass.uncheck();
    assert.equal(await shownCount(page), result.instances.filter((instance) => instance.label !== label).length);
    await page.locator('#show-all').click();
    assert.equal(await shownCount(page), result.instances.length);
    assert.equal(segmentRequests(), requestsBefore);
  });

  it('the instance list is keyboard operable: focus highlights, Enter toggles', async () => {
    const firstRow = page.locator('#instance-list .instance-row input').first();
    await firstRow.focus();
    await page.locator('.instance-row.is-focused').waitFor();
    await page.locator('#tooltip:not([hidden])').waitFor();
    const before = await shownCount(page);
    await page.keyboard.press('Enter');
    assert.equal(await shownCount(page), before - 1);
    await page.keyboard.press('Space');
    assert.equal(await shownCount(page), before);
  });

  it('downloads the annotated PNG, the filtered result JSON and COCO results', async () => {
    await setSlider(page, '#threshold', 0.05);
    const save = async (button: string) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator(button).click()]);
      return { name: download.suggestedFilename(), bytes: await readFile((await download.path())!) };
    };
    const png = await save('#download-png');
    assert.equal(png.name, 'shapes_0003-annotated.png');
    assert.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.bytes.readUInt32BE(16), result.image.width);
    assert.equal(png.bytes.readUInt32BE(20), result.image.height);
    await writeFile(join(SCREENSHOTS, 'ui-annotated.png'), png.bytes);
    const json = await save('#download-json');
    const saved = JSON.parse(json.bytes.toString('utf8')) as ResultJson;
    assert.equal(saved.instances.length, result.instances.length);
    assert.deepEqual(saved.image, result.image);
    const coco = await save('#download-coco');
    const rows = JSON.parse(coco.bytes.toString('utf8')) as { image_id: number; category_id: number; segmentation: { counts: string } }[];
    assert.ok(Array.isArray(rows));
    assert.equal(rows.length, result.instances.length);
    assert.equal(rows[0].image_id, 1);
    assert.equal(rows[0].segmentation.counts, result.instances[0].mask!.counts);
    // Demo classes are 1-based shapes: category_id is the class id (circle = 1, as in instances.json).
    assert.deepEqual(rows.map((row) => row.category_id), result.instances.map((instance) => instance.classId));
  });

  it('shows the problem detail for a bad upload, and the next upload works', async () => {
    const text = join(REPO_ROOT, 'package.json');
    await page.setInputFiles('#file', text);
    await page.locator('#error:not([hidden])').waitFor();
    assert.match((await page.locator('#error-text').textContent()) ?? '', /HTTP 415/);
    await page.locator('.input-panel').screenshot({ path: join(SCREENSHOTS, 'ui-error.png') });
    await upload(page, join(HELDOUT_DIR, 'shapes_0005.jpg'));
    assert.equal(await page.locator('#error').isHidden(), true);
  });

  it('an image without detections says so, never the previous image\'s "lower the score" note', async () => {
    await setSlider(page, '#threshold', 1);
    await page.locator('#instance-list .empty-note', { hasText: 'Lower the minimum score' }).waitFor();
    const blank = join(SCREENSHOTS, 'blank.png');
    await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toFile(blank);
    const empty = await upload(page, blank);
    assert.equal(empty.instances.length, 0);
    assert.equal(await page.locator('#instance-list .empty-note').textContent(), 'No objects found in this image.');
    assert.equal(await page.locator('#summary').textContent(), 'Showing 0 of 0 instances');
    await setSlider(page, '#threshold', 0.5);
  });
});

describe('browser UI without scripts and on a phone', () => {
  it('serves the seed forms with their action, method and enctype', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(server.baseUrl);
    const upload = page.locator('form#upload-form');
    assert.equal(await upload.getAttribute('method'), 'post');
    assert.equal(await upload.getAttribute('action'), '/detect');
    assert.equal(await upload.getAttribute('enctype'), 'multipart/form-data');
    assert.equal(await upload.locator('input[type=file][name=file]').getAttribute('accept'), 'image/*');
    assert.equal(await page.locator('form#url-form[method=get][action="/detect"] input[type=url][name=url]').count(), 1);
    assert.equal(await upload.isVisible(), true);
    assert.equal(await page.locator('#dropzone').isVisible(), false); // the scripted picker needs scripts
    await page.screenshot({ path: join(SCREENSHOTS, 'ui-nojs.png') });
    await context.close();
  });

  it('lays out on a 375x667 phone screen without horizontal scrolling', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 667 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const { page } = await openUi(context);
    const result = await upload(page, SAMPLE);
    await setSlider(page, '#threshold', 0.05);
    const overflow = await page.locator('html').evaluate((root) => (root.scrollWidth as number) - (root.clientWidth as number));
    assert.ok(overflow <= 0, `horizontal overflow of ${overflow}px`);
    // Controls stack under the image.
    const stage = (await page.locator('#stage').boundingBox())!;
    const controls = (await page.locator('.controls').boundingBox())!;
    assert.ok(controls.y >= stage.y + stage.height);
    await page.locator('#stage').scrollIntoViewIfNeeded();
    // A tap picks an instance (there is no hover on touch screens).
    const stageBox = (await page.locator('#overlay').boundingBox())!;
    const point = targetPoint(result, 0.05);
    await page.touchscreen.tap(stageBox.x + (point.x * stageBox.width) / result.image.width, stageBox.y + (point.y * stageBox.height) / result.image.height);
    await page.locator('#tooltip:not([hidden])').waitFor();
    assert.equal(await page.locator('#tooltip .tooltip-title').textContent(), point.label);
    await page.screenshot({ path: join(SCREENSHOTS, 'ui-phone.png'), fullPage: true });
    await context.close();
  });
});
