import ToggleButton from 'react-bootstrap/ToggleButton';
import ToggleButtonGroup from 'react-bootstrap/ToggleButtonGroup';
import { useTranslation } from 'react-i18next';

import { INTERVALS } from '../api/market';
import type { Interval } from '../api/market';

export function IntervalSwitch({
  value,
  onChange,
  available,
}: {
  readonly value: Interval;
  readonly onChange: (interval: Interval) => void;
  /** Intervals the feed stores (GET /market/status); others are shown disabled. */
  readonly available?: readonly string[] | undefined;
}) {
  const { t } = useTranslation();
  return (
    <ToggleButtonGroup
      type="radio"
      name="interval"
      value={value}
      onChange={(next: Interval) => onChange(next)}
      aria-label={t('symbol.interval')}
      size="sm"
    >
      {INTERVALS.map((interval) => (
        <ToggleButton
          key={interval}
          id={`interval-${interval}`}
          value={interval}
          variant="outline-secondary"
          disabled={available !== undefined && !available.includes(interval)}
        >
          {interval}
        </ToggleButton>
      ))}
    </ToggleButtonGroup>
  );
}
