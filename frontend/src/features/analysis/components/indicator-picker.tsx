import Form from 'react-bootstrap/Form';
import { useTranslation } from 'react-i18next';

import { INDICATORS, withDefaults } from '../lib/indicator-specs';
import type { ChosenIndicator, IndicatorSpec } from '../lib/indicator-specs';

/**
 * Which indicators the symbol page draws and their parameters. A value out of range is not
 * applied (the field says why) until it is fixed; every change is remembered at once.
 */
export function IndicatorPicker({
  value,
  onChange,
}: {
  readonly value: readonly ChosenIndicator[];
  readonly onChange: (next: readonly ChosenIndicator[]) => void;
}) {
  const { t } = useTranslation();
  const toggle = (spec: IndicatorSpec, on: boolean) => {
    onChange(
      on ? [...value, withDefaults(spec)] : value.filter((chosen) => chosen.name !== spec.name),
    );
  };
  const setParam = (spec: IndicatorSpec, index: number, raw: string) => {
    const number = Number(raw);
    const p = spec.params[index];
    if (!p || raw === '' || !Number.isFinite(number) || number < p.min || number > p.max) return;
    onChange(
      value.map((chosen) =>
        chosen.name === spec.name
          ? { ...chosen, params: chosen.params.map((v, i) => (i === index ? number : v)) }
          : chosen,
      ),
    );
  };
  return (
    <fieldset className="border rounded p-2 mb-3" aria-describedby="indicator-hint">
      <legend className="float-none w-auto px-1 fs-6 mb-0">{t('analysis.indicators')}</legend>
      <p id="indicator-hint" className="small text-body-secondary mb-2">
        {t('analysis.pickerHint')}
      </p>
      <div className="d-flex flex-wrap gap-3">
        {INDICATORS.map((spec) => {
          const chosen = value.find((c) => c.name === spec.name);
          const name = t(`analysis.name.${spec.name}` as 'analysis.name.sma');
          return (
            <div key={spec.name} className="d-flex align-items-center gap-1 flex-wrap">
              <Form.Check
                type="switch"
                id={`ind-${spec.name}`}
                label={name}
                checked={chosen !== undefined}
                onChange={(e) => toggle(spec, e.target.checked)}
              />
              {chosen
                ? spec.params.map((p, i) => (
                    <Form.Control
                      key={p.name}
                      type="number"
                      size="sm"
                      style={{ width: '4.75rem' }}
                      min={p.min}
                      max={p.max}
                      step={p.step}
                      defaultValue={chosen.params[i]}
                      aria-label={t('analysis.paramOf', {
                        param: t(`analysis.param.${p.name}` as 'analysis.param.period'),
                        name,
                        min: p.min,
                        max: p.max,
                      })}
                      title={t('analysis.paramRange', { min: p.min, max: p.max })}
                      onChange={(e) => setParam(spec, i, e.target.value)}
                    />
                  ))
                : null}
            </div>
          );
        })}
      </div>
    </fieldset>
  );
}
