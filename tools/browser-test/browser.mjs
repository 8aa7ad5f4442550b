// Drives Debian's headless Chromium (Playwright's core; no browser is downloaded) through the
// live Neo4j Browser and prints what it saw as JSON on stdout; tests/test_browser_live.py
// checks it against the repository's files.
//
//   NEO4J_BROWSER_TEST_PASSWORD=... node tools/browser-test/browser.mjs CONFIG.json
//
// CONFIG: {"url": Browser's origin, "user", "chromium": the executable, "shots": folder for
// screenshots, "favorites": the favorites zip, "favorite_title": the favorite to run,
// "favorite_params": the :params line its comment says to run first}.
//
// Steps, as an analyst takes them: log in (the post-connect command applies the style and opens
// the guide); read the style in force with :style; on every slide of the guide, run its last
// two runnable blocks (the :params line, then the query); drop the favorites zip on Browser (as
// the docs say) and run one favorite after its :params line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const report = { slides: [], page_errors: [] };
const say = (s) => process.stderr.write(`browser-test: ${s}\n`);

const browser = await chromium.launch({
  executablePath: config.chromium,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
page.setDefaultTimeout(90_000);
page.on('pageerror', (e) => report.page_errors.push(String(e).slice(0, 300)));

const frames = () => page.getByTestId('frame');
const topFrame = () => page.evaluateHandle(() => document.querySelector('[data-testid=frame]'));
// Browser puts each new frame on top of the stream (and drops the oldest past its limit): wait
// until the top frame is not `before`, then until it has finished (a status line, or an error),
// and return its command, status line and contents.
async function newestFrame(before) {
  await page.waitForFunction((old) => {
    const top = document.querySelector('[data-testid=frame]');
    return top && top !== old;
  }, before);
  await page.waitForFunction(() => {
    const top = document.querySelector('[data-testid=frame]');
    const status = top.querySelector('[data-testid=frameStatusbar]');
    const contents = top.querySelector('[data-testid=frameContents]');
    const command = top.querySelector('[data-testid=frameCommand]');
    const isStyle = command && command.innerText.trim().startsWith(':style');
    return (status && status.innerText.trim() !== '') || (contents && /ERROR/.test(contents.innerText))
      || (isStyle && contents && contents.innerText.includes('{'));
  });
  const frame = frames().first();
  return {
    command: (await frame.getByTestId('frameCommand').innerText().catch(() => '')).trim(),
    status: (await frame.getByTestId('frameStatusbar').innerText().catch(() => '')).trim(),
    text: (await frame.getByTestId('frameContents').innerText()).slice(0, 50_000),
  };
}

async function typeAndRun(text) {
  const before = await topFrame();
  await page.getByTestId('activeEditor').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
  await page.getByTestId('editor-Run').click();
  return newestFrame(before);
}

async function clickAndRun(block) {
  const before = await topFrame();
  await block.click(); // a runnable block puts its text in the editor
  await page.getByTestId('editor-Run').click();
  return newestFrame(before);
}

try {
  say('log in');
  await page.goto(`${config.url}/browser/`);
  await page.getByTestId('username').fill(config.user);
  await page.getByTestId('password').fill(process.env.NEO4J_BROWSER_TEST_PASSWORD);
  await page.getByTestId('connect').click();

  say('the guide that the post-connect command opens');
  const drawer = page.getByTestId('guidesDrawer');
  await drawer.locator('.slide').first().waitFor();
  await page.waitForTimeout(1000);
  report.connected_frames = (await page.getByTestId('frameCommand').allInnerTexts()).map((t) => t.trim());
  report.guide_source = (await drawer.innerText()).split('\n')[0];

  say(':style');
  report.style = await typeAndRun(':style');

  say('every slide');
  for (let i = 0; i < 200; i++) {
    const slide = drawer.locator('.slide').first();
    const heading = (await slide.locator('h1, h2').first().innerText()).trim();
    const blocks = slide.locator('pre.runnable');
    const texts = (await blocks.allInnerTexts()).map((t) => t.trim());
    const entry = { heading, blocks: texts, runs: [] };
    report.slides.push(entry);
    const count = texts.length;
    if (i > 0) {
      for (let b = Math.max(0, count - 2); b < count; b++) entry.runs.push(await clickAndRun(blocks.nth(b)));
    }
    if (i === 1) await page.screenshot({ path: join(config.shots, 'guide.png') });
    const next = page.getByTestId('guideNextSlide');
    if ((await next.count()) === 0 || !(await next.isVisible()) || !(await next.isEnabled())) break;
    await next.click();
    await page.waitForFunction((h) => {
      const el = document.querySelector('[data-testid=guidesDrawer] .slide h1, [data-testid=guidesDrawer] .slide h2');
      return el && el.textContent.trim() !== h;
    }, heading, { timeout: 15_000 });
  }

  say('drop the favorites zip on Browser');
  const zip = readFileSync(config.favorites).toString('base64');
  const transfer = await page.evaluateHandle(({ data, name }) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], name, { type: 'application/zip' }));
    return dt;
  }, { data: zip, name: 'intelgraph-favorites.zip' });
  await page.locator('.filedrop').first().dispatchEvent('drop', { dataTransfer: transfer });
  await page.getByTestId('navigationFavorites').click();
  const folder = page.getByText(config.favorites_folder, { exact: true }).first();
  await folder.waitFor();
  await folder.click(); // open the folder
  const favorite = page.getByText(config.favorite_title, { exact: true }).first();
  await favorite.waitFor();
  report.favorites = (await page.locator('[data-testid^=savedScriptListItem], [data-testid^=savedScript]').allInnerTexts())
    .map((t) => t.trim()).filter((t) => t);

  say('run a favorite');
  report.favorite_params = await typeAndRun(config.favorite_params);
  const before = await topFrame();
  await favorite.click();
  report.favorite_editor = await page.getByTestId('activeEditor').innerText();
  await page.getByTestId('editor-Run').click();
  report.favorite_run = await newestFrame(before);
  await page.screenshot({ path: join(config.shots, 'favorite.png') });
} catch (e) {
  report.failure = String(e.stack || e).slice(0, 3000);
  await page.screenshot({ path: join(config.shots, 'failure.png') }).catch(() => null);
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(report, null, 1));
