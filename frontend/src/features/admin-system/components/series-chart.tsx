import { useId } from 'react';
import { useTranslation } from 'react-i18next';

import { TimeLineChart } from '@/components/time-line-chart';
import type { TimeLine } from '@/components/time-line-chart';

import type { Point } from '../api/system';

export interface SeriesLine {
  readonly label: string;
  readonly color: string;
  readonly points: readonly Point[];
}

/** Fewer values than this: each is drawn as a dot (a line needs two neighbours). */
const SPARSE = 12;

export const SERIES_COLORS = ['#0d6efd', '#d63384', '#198754', '#fd7e14', '#6f42c1', '#20c997'];

/** A titled chart of 24 h series; says so in words when there is nothing to draw yet. */
export function SeriesChart({
  title,
  lines,
  formatY,
}: {
  readonly title: string;
  readonly lines: readonly SeriesLine[];
  readonly formatY?: (value: number) => string;
}) {
  const { t } = useTranslation();
  const id = useId();
  const timeLines: TimeLine[] = lines.map((l) => ({
    label: l.label,
    color: l.color,
    points: l.points.map((p) => ({ x: Date.parse(p.at), y: p.value ?? null })),
    dots: l.points.filter((p) => p.value !== null).length < SPARSE,
  }));
  const hasData = lines.some((l) => l.points.some((p) => p.value !== null && p.value !== 0));
  return (
    <section className="card h-100" aria-labelledby={id}>
      <div className="card-body">
        <h3 id={id} className="h6">
          {title}
        </h3>
        {hasData ? (
          <>
            <TimeLineChart
              lines={timeLines}
              label={t('adminSystem.chartLabel', { title })}
              {...(formatY ? { formatY } : {})}
            />
            {lines.length > 1 ? (
              <ul className="list-inline small mb-0 mt-1">
                {lines.map((l) => (
                  <li key={l.label} className="list-inline-item">
                    <span aria-hidden="true" style={{ color: l.color }}>
                      ■{' '}
                    </span>
                    {l.label}
                  </li>
                ))}
              </ul>
            ) : null}
          </>
        ) : (
          <p className="text-body-secondary mb-0">{t('adminSystem.noSeries')}</p>
        )}
      </div>
    </section>
  );
}
