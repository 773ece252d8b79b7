import type { ReactNode } from 'react';

/** Full-width message page (404, 403, crash) with an action below. */
export function StatusPage({
  title,
  text,
  children,
}: {
  readonly title: string;
  readonly text: string;
  readonly children?: ReactNode;
}) {
  return (
    <section className="py-5 text-center" aria-labelledby="status-title">
      <h1 id="status-title" className="h3 mb-3">
        {title}
      </h1>
      <p className="text-body-secondary mb-4">{text}</p>
      {children}
    </section>
  );
}
