import Table from 'react-bootstrap/Table';
import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';
import { PageSpinner } from '@/components/page-spinner';
import { TableScroll } from '@/components/table-scroll';
import { en } from '@/i18n/en';

import { StatusBadge } from './status-badge';
import type { HealthComponent } from '../api/system';
import { useSystemHealth } from '../api/system';
import { useFigureFormat } from '../hooks/use-figure-format';

const KINDS = [
  'database',
  'redis',
  'feed',
  'process',
  'lease',
  'telegram',
  'mail',
  'disk',
] as const;
type Kind = (typeof KINDS)[number];
const isKind = (k: string): k is Kind => (KINDS as readonly string[]).includes(k);
const enReasons = en.adminSystem.reason;
type Reason = keyof (typeof en)['adminSystem']['reason'];
const isReason = (r: string): r is Reason => r in enReasons;

/** "feed:BTCUSDT" -> "Market feed BTCUSDT", in the page's language. */
function useComponentName(): (name: string) => string {
  const { t } = useTranslation();
  return (name) => {
    const [kind = name, ...rest] = name.split(':');
    const label = isKind(kind) ? t(`adminSystem.component.${kind}`) : kind;
    return rest.length ? `${label} ${rest.join(':')}` : label;
  };
}

function Row({ c }: { readonly c: HealthComponent }) {
  const { t } = useTranslation();
  const nameOf = useComponentName();
  return (
    <tr>
      <th scope="row">{nameOf(c.name)}</th>
      <td>
        <StatusBadge status={c.status} />
      </td>
      <td>{isReason(c.reason) ? t(`adminSystem.reason.${c.reason}`) : c.reason}</td>
      <td className="small text-body-secondary" lang="en">
        {c.message}
      </td>
    </tr>
  );
}

/** Every component's state with its reason; refreshed every 30 s. */
export function HealthView() {
  const { t } = useTranslation();
  const f = useFigureFormat();
  const health = useSystemHealth();
  const data = health.data;
  return (
    <>
      <h1 className="h3">{t('adminSystem.healthTitle')}</h1>
      {data ? (
        <>
          <p>
            {t('adminSystem.overall')} <StatusBadge status={data.status} />{' '}
            <span className="small text-body-secondary">
              {t('adminSystem.checkedAt', { time: f.time(data.checked_at) })}
            </span>
          </p>
          <TableScroll label={t('adminSystem.healthTitle')}>
            <Table size="sm" className="align-middle">
              <thead>
                <tr>
                  <th scope="col">{t('adminSystem.componentHeader')}</th>
                  <th scope="col">{t('adminSystem.statusHeader')}</th>
                  <th scope="col">{t('adminSystem.reasonHeader')}</th>
                  <th scope="col">{t('adminSystem.detailsHeader')}</th>
                </tr>
              </thead>
              <tbody>
                {data.components.map((c) => (
                  <Row key={c.name} c={c} />
                ))}
              </tbody>
            </Table>
          </TableScroll>
        </>
      ) : health.error ? (
        <ErrorAlert error={health.error} />
      ) : (
        <PageSpinner />
      )}
    </>
  );
}
