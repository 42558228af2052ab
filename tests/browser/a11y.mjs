// a11y.mjs - the accessibility checks of a11y.test.mjs and a11y_phone.test.mjs,
// run on every page of pages.mjs: axe-core finds no violation of a WCAG 2 A/AA
// rule; the skip link is the keyboard's first stop and moves focus to the main
// content; every stop of the keyboard shows a focus ring; and every control
// stands out 3:1 from what is around it (WCAG 1.4.11, which axe does not check).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { browserSuite } from './lib.mjs';
import { eachPage, PAGES_INSTANCE } from './pages.mjs';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

// axe-core's violations on the page. The HTML part of a message is left out
// (iframes: false): it is the sender's markup, shown in a sandbox; the frame
// element itself (its title) is checked. The script goes in through the
// debugger protocol, which the pages' CSP (script-src 'self') does not govern.
async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    const r = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      iframes: false,
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({ id: v.id, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  }, WCAG_TAGS);
}

// Colour helpers for page.evaluate, as source text: the relative luminance
// and contrast ratio of WCAG 2, and the colour behind an element.
const COLOUR = `
  const rgba = (s) => {
    const n = (s.match(/[\\d.]+/g) || []).map(Number);
    return { r: n[0] ?? 0, g: n[1] ?? 0, b: n[2] ?? 0, a: n.length > 3 ? n[3] : 1 };
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (x, y) => { const a = lum(x), b = lum(y); return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); };
  const behind = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgba(getComputedStyle(el).backgroundColor);
      if (c.a > 0) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className ? '.' + String(el.className).trim().replace(/\\s+/g, '.') : '') +
    ' "' + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30) + '"';
`;

// Controls whose edge (border, or their own background when they have no
// border) is less than 3:1 from the colour behind them. Checkboxes, radio
// buttons and file pickers are drawn by the browser itself (#767676, 4.5:1).
function weakEdges(page) {
  return page.evaluate(`(() => {${COLOUR}
    const out = [];
    for (const el of document.querySelectorAll('button, select, textarea, input, a.compose, a.skip, label.menu-button')) {
      if (['hidden', 'checkbox', 'radio', 'file'].includes(el.type)) continue;
      const r = el.getBoundingClientRect();
      if (!r.width || !r.height) continue;
      const cs = getComputedStyle(el);
      const around = behind(el.parentElement);
      const border = rgba(cs.borderTopColor);
      const own = rgba(cs.backgroundColor);
      let best = 1;
      if (parseFloat(cs.borderTopWidth) > 0 && cs.borderTopStyle !== 'none' && border.a > 0) best = ratio(border, around);
      if (own.a > 0) best = Math.max(best, ratio(own, around));
      if (best < 3) out.push(describe(el) + ': ' + best.toFixed(2) + ':1');
    }
    return out;
  })()`);
}

// The element with the keyboard focus, and whether its ring can be seen: an
// outline at least 2 px wide, 3:1 from what is behind it. A switch kept
// visually hidden (the phone's folder menu) shows its focus on its label.
function focused(page) {
  return page.evaluate(`(() => {${COLOUR}
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    if (el.tagName === 'IFRAME') return { what: 'iframe', frame: true };
    const hidden = el.getBoundingClientRect().width <= 1 && el.labels && el.labels[0];
    const shown = hidden ? el.labels[0] : el;
    const cs = getComputedStyle(shown);
    const contrast = ratio(rgba(cs.outlineColor), behind(shown.parentElement));
    const ok = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2 && contrast >= 3;
    return { what: describe(el), skip: el.matches('a.skip'), ok,
             ring: cs.outlineStyle + ' ' + cs.outlineWidth + ' ' + contrast.toFixed(2) + ':1' };
  })()`);
}

function report(found) {
  return found.map((f) => `${f.page}: ${f.id} - ${f.help}\n    ${f.targets.join('\n    ')}`).join('\n');
}

// The keyboard from the top of the page: the skip link comes first and is on
// screen; every stop shows its ring (the HTML part's frame is the sender's
// markup: passed through); once round, the skip link moves focus to main and
// the next stop is inside it. Returns what went wrong.
async function keyboard(page, where, width) {
  const wrong = [];
  // A page that puts the cursor in its first field (logon) has the link just before it.
  const inField = await page.evaluate(() => document.activeElement !== document.body);
  await page.keyboard.press(inField ? 'Shift+Tab' : 'Tab');
  const first = await focused(page);
  if (!first?.skip) return [`${where}: the first stop is ${first?.what ?? 'nothing'}, not the skip link`];
  const link = page.locator('a.skip');
  if ((await link.innerText()) !== 'Skip to main content') wrong.push(`${where}: the skip link says "${await link.innerText()}"`);
  const b = await link.boundingBox();
  if (!b || b.y < 0 || b.x < 0 || b.x + b.width > width) wrong.push(`${where}: the focused skip link is off screen`);
  let f = first;
  for (let stops = 1; stops <= 60; stops++) {
    if (!f.frame && !f.ok) wrong.push(`${where}: no focus ring on ${f.what}: ${f.ring}`);
    await page.keyboard.press('Tab');
    f = await focused(page);
    if (!f) { // past the last stop: the next Tab starts again at the top
      await page.keyboard.press('Tab');
      f = await focused(page);
    }
    if (!f || f.skip) break;
  }
  if (!f?.skip) return [...wrong, `${where}: the keyboard does not come round to the skip link`];
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement === document.querySelector('main#main'));
  await page.keyboard.press('Tab');
  if (!(await page.evaluate(() => document.querySelector('main').contains(document.activeElement)))) {
    wrong.push(`${where}: after the skip link, the next stop is not in the main content`);
  }
  return wrong;
}

/**
 * A suite that runs every check on every page in a browser context with these
 * options (a viewport, a phone's touch and meta viewport) and fails with the
 * list of what it found: axe-core's rule, help and targets, pages and controls.
 */
export function a11ySuite(name, options) {
  browserSuite(name, { instance: PAGES_INSTANCE }, (env, test) => {
    test('axe-core finds nothing, controls stand out, the skip link and focus rings work, on every page', async () => {
      const violations = [];
      const wrong = [];
      await eachPage(env.browser, env.inst.base, options, async (page, entry) => {
        for (const v of await axeViolations(page)) violations.push({ page: entry.name, ...v });
        for (const w of await weakEdges(page)) wrong.push(`${entry.name}: too little contrast: ${w}`);
        wrong.push(...(await keyboard(page, entry.name, options.viewport.width)));
      });
      assert.equal(violations.length, 0, `axe-core violations:\n${report(violations)}`);
      assert.deepEqual(wrong, []);
    });
  });
}
