import axe from 'axe-core';

/**
 * axe-core's WCAG 2.x A/AA violations under `root`, as "rule: targets" lines. jsdom has no
 * layout, so contrast is left to the e2e's axe run (e2e/a11y.mjs).
 */
export async function axeViolations(root: Element): Promise<string[]> {
  const result = await axe.run(root, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    rules: { 'color-contrast': { enabled: false } },
    resultTypes: ['violations'],
  });
  return result.violations.map(
    (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}
