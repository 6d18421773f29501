// A real, headless Chromium for the dashboard's tests: Debian's package (/usr/bin/chromium; CI installs it), driven
// by playwright-core, in a fresh profile with everything that would reach the internet turned off.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Screenshots of the test run (git-ignored). */
export const ARTIFACTS = path.resolve(import.meta.dirname, "../../test-artifacts");

export interface TestBrowser {
  context: BrowserContext;
  /** A new tab that fails the test on any dialog (alert, confirm, prompt) and records console errors and requests. */
  newPage(viewport?: { width: number; height: number }): Promise<TestPage>;
  close(): Promise<void>;
}

export interface TestPage {
  page: Page;
  /** Dialogs that opened: hostile text that ran as script shows up here. */
  dialogs: string[];
  /** Every URL the page requested: the dashboard must load nothing from another origin. */
  requests: string[];
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "sync-tokens-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1440, height: 900 },
    timeout: 60_000,
  });
  context.setDefaultTimeout(20_000);
  return {
    context,
    async newPage(viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      const dialogs: string[] = [];
      const requests: string[] = [];
      page.on("dialog", (d) => {
        dialogs.push(`${d.type()}: ${d.message()}`);
        void d.dismiss().catch(() => {});
      });
      page.on("request", (r) => void requests.push(r.url()));
      return { page, dialogs, requests };
    },
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// Browser-side checks, as expressions evaluated in the page (the project's TypeScript has no DOM types).

/** How far the document is wider than the viewport: > 0 means the layout broke out sideways. */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth");
}

/** The focused element's id and trimmed text. */
export function focused(page: Page): Promise<{ id: string; text: string }> {
  return page.evaluate("({ id: document.activeElement?.id ?? '', text: document.activeElement?.textContent?.trim() ?? '' })");
}

/** Names of visible form controls with neither a <label> nor an aria-label. */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(`[...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
    .filter((el) => el.labels.length === 0 && !el.getAttribute("aria-label")).map((el) => el.name)`);
}

/** The page's text as a reader gets it (the body's innerText). */
export function pageText(page: Page): Promise<string> {
  return page.evaluate("document.body.innerText");
}

/** Where each character of the first element matching `selector` (one text node) is drawn: its centre's x, in logical order. */
export function drawnAt(page: Page, selector: string): Promise<number[]> {
  return page.evaluate(`(() => {
    const node = document.querySelector(${JSON.stringify(selector)}).firstChild;
    return [...Array(node.textContent.length).keys()].map((i) => {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const box = range.getBoundingClientRect();
      return box.left + box.width / 2;
    });
  })()`);
}
