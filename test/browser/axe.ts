/**
 * axe-core in a page driven by playwright-core: the library from node_modules is evaluated in the
 * page through the DevTools protocol (the pages' CSP allows no script tag, and evaluation this
 * way is not subject to it), then `axe.run` checks the WCAG 2.1 A/AA rules and best practices.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One violation as a line: rule, impact, and the first elements it names. */
export interface Violation {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/** The serious and critical violations on the page as it is now. */
export async function seriousViolations(page: Page): Promise<Violation[]> {
  await page.evaluate(AXE_SOURCE);
  // A string, not a function: the test files are compiled without the DOM's types.
  const result = (await page.evaluate(`(async () => {
    const run = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] });
    return run.violations.map((v) => ({ id: v.id, impact: v.impact || 'unknown', help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  })()`)) as Violation[];
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
