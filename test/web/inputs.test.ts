// Every way into the UI besides the file input: paste, drag and drop, the sample strip and the
// URL form (fetched by the server, shown from the server's plain image), plus EXIF orientation.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ResultJson } from '../../src/types.js';
import { HELDOUT_DIR, ensureWebBuild, launchChromium, startUiServer, type RunningUi } from './helpers.js';

let server: RunningUi;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let segmentUrls: string[] = [];

before(async () => {
  ensureWebBuild();
  server = await startUiServer({ allowLoopback: true });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/v1/segment') segmentUrls.push(request.url());
  });
  await page.goto(server.baseUrl);
  await page.locator('#sample-list .sample').first().waitFor();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Runs `act`, then resolves with the result JSON once the page shows it. */
async function resultOf(act: () => Promise<unknown>): Promise<ResultJson> {
  segmentUrls = [];
  const response = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/segment' && r.request().headers().accept === 'application/json');
  await act();
  const result = (await (await response).json()) as ResultJson;
  await page.locator('#status-text', { hasText: `Found ${result.instances.length} instance` }).waitFor();
  return result;
}

async function photoSize(): Promise<[number, number]> {
  return page.locator('#photo').evaluate((canvas) => [canvas.width, canvas.height] as [number, number]);
}

describe('image inputs', () => {
  it('pasting an image from the clipboard runs it', async () => {
    // In-page code reaches the window through the element (the project's typecheck has no DOM lib).
    const result = await resultOf(() =>
      page.locator('body').evaluate(async (body) => {
        const win = body.ownerDocument.defaultView;
        const blob = await (await win.fetch('/samples/shapes_0001.jpg')).blob();
        const clipboard = new win.DataTransfer();
        clipboard.items.add(new win.File([blob], 'pasted.jpg', { type: 'image/jpeg' }));
        body.dispatchEvent(new win.ClipboardEvent('paste', { clipboardData: clipboard, bubbles: true }));
      }),
    );
    assert.deepEqual(await photoSize(), [result.image.width, result.image.height]);
    assert.match((await page.locator('#stage-caption').textContent()) ?? '', /^pasted\.jpg · /);
  });

  it('dropping a file anywhere on the page shows the drop state, then runs it', async () => {
    const footer = page.locator('.footer');
    await footer.evaluate(async (target) => {
      const win = target.ownerDocument.defaultView;
      const blob = await (await win.fetch('/samples/shapes_0002.jpg')).blob();
      const data = new win.DataTransfer();
      data.items.add(new win.File([blob], 'dropped.jpg', { type: 'image/jpeg' }));
      win.dropData = data; // kept for the drop below
      target.dispatchEvent(new win.DragEvent('dragenter', { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    assert.equal(await page.locator('body.is-dragging').count(), 1);
    assert.equal(await page.locator('#drop-overlay').isVisible(), true);
    await resultOf(() =>
      footer.evaluate((target) => {
        const win = target.ownerDocument.defaultView;
        target.dispatchEvent(new win.DragEvent('drop', { dataTransfer: win.dropData, bubbles: true, cancelable: true }));
      }),
    );
    assert.equal(await page.locator('body.is-dragging').count(), 0);
    assert.match((await page.locator('#stage-caption').textContent()) ?? '', /^dropped\.jpg · /);
  });

  it('a sample runs with one click', async () => {
    await resultOf(() => page.locator('#sample-list .sample').first().click());
    assert.match((await page.locator('#stage-caption').textContent()) ?? '', /^shapes_0000\.jpg · /);
    assert.equal(segmentUrls.length, 1);
  });

  it('an EXIF-rotated JPEG is shown in the frame the masks are in, without a second request', async () => {
    // Pixels stored 456x480 with orientation 6 (rotate 90°): both server and browser show 480x456.
    const rotated = await sharp(await readFile(join(HELDOUT_DIR, 'shapes_0000.jpg'))).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const result = await resultOf(() => page.setInputFiles('#file', { name: 'rotated.jpg', mimeType: 'image/jpeg', buffer: rotated }));
    assert.deepEqual([result.image.width, result.image.height], [480, 456]);
    assert.deepEqual(await photoSize(), [480, 456]);
    assert.equal(segmentUrls.length, 1);
    assert.equal(await page.locator('#stage-note').isHidden(), true);
  });

  it('a URL is fetched by the server; the photo comes from the server, not the browser', async () => {
    const bytes = await readFile(join(HELDOUT_DIR, 'shapes_0004.jpg'));
    let browserFetches = 0;
    const images: Server = createServer((request, response) => {
      if (request.headers['user-agent']?.includes('Chrome')) browserFetches++;
      response.writeHead(200, { 'content-type': 'image/jpeg' }).end(bytes);
    });
    await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
    const { port } = images.address() as { port: number };
    try {
      const result = await resultOf(async () => {
        await page.fill('#url', `http://127.0.0.1:${port}/photos/shapes_0004.jpg`);
        await page.locator('#url-form button[type=submit]').click();
      });
      await page.locator('#stage-caption', { hasText: 'shapes_0004.jpg' }).waitFor();
      assert.deepEqual(await photoSize(), [result.image.width, result.image.height]);
      assert.equal(segmentUrls.length, 2, 'one result request and one plain-image request');
      assert.match(segmentUrls[1], /format=png&masks=false&boxes=false&labels=false/);
      assert.equal(browserFetches, 0);
      assert.equal(await page.locator('#stage-note').isHidden(), true);
    } finally {
      await new Promise<void>((resolve) => images.close(() => resolve()));
    }
  });
});
