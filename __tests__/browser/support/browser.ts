import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import CHROMIUM_ARGS from './chromium-args.json';

/** Debian's Chromium (CI installs it with apt-get); never a downloaded browser build. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Screenshots for people to review; the folder is git-ignored. */
export const ARTIFACTS_DIR = path.resolve(__dirname, '../artifacts');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Chromium's own background network calls are refused on this machine; these keep it quiet.
    // The benchmark launches it with the same list.
    args: CHROMIUM_ARGS,
  });
}

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}
