import { useId } from 'react';

/** One figure of the dashboard: a named region, so it reads (and is found) by its label. */
export function StatCard({
  label,
  value,
  hint,
}: {
  readonly label: string;
  readonly value: string;
  readonly hint?: string;
}) {
  const id = useId();
  return (
    <section className="card h-100" aria-labelledby={id}>
      <div className="card-body py-2">
        <h3 id={id} className="h6 text-body-secondary mb-1">
          {label}
        </h3>
        <p className="fs-4 mb-0" data-testid="figure">
          {value}
        </p>
        {hint ? <p className="small text-body-secondary mb-0">{hint}</p> : null}
      </div>
    </section>
  );
}
