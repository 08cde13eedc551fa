// Browser-side hardening, in Chromium: the UI and /docs work under their Content-Security-Policy
// (no violation reported), and a page on another origin cannot make a visitor's browser post an
// image to the server (a cross-site form post gets the 403 page, no inference).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { HELDOUT_DIR, ensureWebBuild, launchChromium, startUiServer, type RunningUi } from './helpers.js';

let server: RunningUi;
let browser: Browser;

before(async () => {
  ensureWebBuild();
  server = await startUiServer();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Console messages in which Chromium reports a Content-Security-Policy violation. */
function cspViolations(page: Page): string[] {
  const found: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) found.push(message.text());
  });
  return found;
}

describe('Content-Security-Policy', () => {
  it('the UI segments an upload with no CSP violation', async () => {
    const page = await browser.newPage();
    try {
      const violations = cspViolations(page);
      const response = await page.goto(server.baseUrl);
      assert.match(response?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
      await page.locator('#model-badge .badge-id').waitFor();
      const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/segment');
      await page.setInputFiles('#file', join(HELDOUT_DIR, 'shapes_0003.jpg'));
      assert.equal((await answered).status(), 200);
      await page.locator('#status-text', { hasText: 'Found' }).waitFor();
      assert.deepEqual(violations, []);
    } finally {
      await page.close();
    }
  });

  it('/docs renders Swagger UI with no CSP violation', async () => {
    const page = await browser.newPage();
    try {
      const violations = cspViolations(page);
      const response = await page.goto(`${server.baseUrl}/docs`);
      assert.ok(response?.headers()['content-security-policy']);
      await page.locator('.swagger-ui .info .title', { hasText: 'maskserve' }).waitFor();
      assert.deepEqual(violations, []);
    } finally {
      await page.close();
    }
  });
});

describe('cross-site requests', () => {
  let thirdParty: Server;
  let thirdPartyUrl: string;

  before(async () => {
    // Another origin (another port) serving a page that posts a file to the maskserve server.
    thirdParty = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html>
        <form id="f" method="post" enctype="multipart/form-data" action="${server.baseUrl}/detect"><input type="file" name="file" id="file"></form>`);
    });
    await new Promise<void>((resolve) => thirdParty.listen(0, '127.0.0.1', resolve));
    thirdPartyUrl = `http://127.0.0.1:${(thirdParty.address() as { port: number }).port}/`;
  });
  after(() => new Promise<void>((resolve) => thirdParty.close(() => resolve())));

  it('a form post from another site is refused with the 403 page', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(thirdPartyUrl);
      await page.setInputFiles('#file', join(HELDOUT_DIR, 'shapes_0003.jpg'));
      const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/detect');
      await page.locator('#f').evaluate((form) => (form as unknown as { submit(): void }).submit());
      const response = await answered;
      assert.equal(response.status(), 403);
      await page.getByText('Cross-site request refused').first().waitFor();
    } finally {
      await page.close();
    }
  });
});
