import type { ReactNode } from 'react';

/**
 * Bootstrap's `.table-responsive` box that a keyboard can scroll too: a table without links or
 * buttons that overflows its card is otherwise out of reach without a mouse (WCAG 2.1.1,
 * axe-core `scrollable-region-focusable`). Named after its table for screen readers.
 */
export function TableScroll({
  label,
  children,
}: {
  readonly label: string;
  readonly children: ReactNode;
}) {
  return (
    // a focusable region is the documented remedy for a scrollable box (WAI "Scrollable region")
    // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex
    <div className="table-responsive" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
