import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';

const run = promisify(execFile);

/** Where the browser tests keep their screenshots (kept by CI as artefacts; ignored by git). */
export const artifactsDir = join(process.cwd(), 'test-artifacts');

/**
 * `parley/client` built as `npm run build` builds it (tsconfig.client.json), into a folder
 * of this test file's own: the pages load it from there (`startServer({ pages: { clientRoot } })`).
 * The folder is named at once; the build is done when `built` settles.
 */
export function buildClient(): { clientRoot: string; built: Promise<unknown>; remove(): void } {
  const clientRoot = mkdtempSync(join(tmpdir(), 'parley-pages-client-'));
  const built = run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.client.json', '--outDir', clientRoot]);
  return { clientRoot, built, remove: () => rmSync(clientRoot, { recursive: true, force: true }) };
}

/** Saves what `page` shows now as test-artifacts/<name>-<storage>.png (both storage projects run each file). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifactsDir, { recursive: true });
  await page.screenshot({ path: join(artifactsDir, `${name}-${process.env.PARLEY_TEST_STORAGE ?? 'embedded'}.png`), fullPage: true });
}
