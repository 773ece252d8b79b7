// axe-core (WCAG 2.0/2.1 A and AA) on the page as it is, in both themes and both languages.
// Any violation fails the run; the message names each rule and its first elements.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// Evaluated through the DevTools protocol: the app's CSP (script-src 'self') refuses the inline
// <script> that page.addScriptTag would add, and bypassing the CSP would test another page.
const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const THEME_BUTTON = /^(Dark theme|Light theme|Тёмная тема|Светлая тема)$/;
const LANGUAGE = /^(Language|Язык)$/;

/** axe's violations on the current document (injects axe once per document). */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource);
  return page.evaluate(async (tags) => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`.slice(0, 300)),
    }));
  }, TAGS);
}

function describe(where, violations) {
  return violations
    .map(
      (v) =>
        `${where}: ${v.id} (${v.impact}) ${v.help}, ${v.nodes.length} element(s):\n    ` +
        v.nodes.slice(0, 6).join('\n    '),
    )
    .join('\n');
}

const theme = (page) => page.evaluate(() => document.documentElement.dataset.bsTheme);
const lang = (page) => page.evaluate(() => document.documentElement.lang);

async function setTheme(page, want) {
  if ((await theme(page)) === want) return;
  await page.getByRole('button', { name: THEME_BUTTON }).click();
  await page.waitForFunction((t) => document.documentElement.dataset.bsTheme === t, want);
}

async function setLanguage(page, want) {
  if ((await lang(page)) === want) return;
  await page.getByRole('combobox', { name: LANGUAGE }).selectOption(want);
  await page.waitForFunction((l) => document.documentElement.lang === l, want);
}

/**
 * Audit the current page in light and dark, English and Russian (four runs without a reload),
 * then restore the theme and language it had. The navbar's theme button and language select
 * must be visible (a desktop-sized viewport). Returns the number of runs; throws on violations.
 * `prepare` runs before each run: it brings back what the switch closed (e.g. an open menu).
 */
export async function auditPage(page, name, log = console.log, { prepare } = {}) {
  const before = { theme: await theme(page), lang: await lang(page) };
  // Price flashes fade a cell's background for 0.7 s; a snapshot taken mid-fade would judge a
  // colour nobody reads. With reduced motion (which the app honours) every colour is final.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  const found = [];
  let runs = 0;
  for (const l of ['en', 'ru']) {
    await setLanguage(page, l);
    for (const t of ['light', 'dark']) {
      await setTheme(page, t);
      if (prepare) await prepare();
      // let charts redraw in the new colours and transitions settle
      await page.waitForTimeout(250);
      const violations = await axeViolations(page);
      runs += 1;
      if (violations.length) found.push(describe(`${name} [${t}, ${l}]`, violations));
    }
  }
  await setLanguage(page, before.lang);
  await setTheme(page, before.theme);
  await page.emulateMedia({ reducedMotion: null });
  if (found.length) throw new Error(`axe-core found WCAG 2 A/AA violations:\n${found.join('\n')}`);
  log(`e2e:   axe: ${name} clean in light/dark × en/ru`);
  return runs;
}
