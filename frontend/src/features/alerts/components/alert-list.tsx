import { Fragment, useState } from 'react';
import Badge from 'react-bootstrap/Badge';
import Button from 'react-bootstrap/Button';
import Table from 'react-bootstrap/Table';
import { useTranslation } from 'react-i18next';

import { ErrorAlert } from '@/components/error-alert';
import { formatDateTime } from '@/lib/format';

import { AlertFirings } from './alert-firings';
import { AlertForm } from './alert-form';
import { useAlertAction, useAlerts } from '../api/alerts';
import type { Alert, AlertState } from '../api/alerts';

const STATE_BG: Record<AlertState, string> = {
  active: 'success',
  paused: 'secondary',
  triggered: 'primary',
  expired: 'dark',
};

/** "Price crosses 50000", "Moves by at least 5% (1h)": `condition` is the condition's label (a
 * `t` passed in as a parameter with a template key grew too deep for tsc as i18n grew). */
function describe(alert: Alert, condition: string): string {
  const extra = alert.interval ?? alert.window;
  return `${condition} ${alert.value}${
    alert.condition === 'change_pct' ? '%' : ''
  }${extra ? ` (${extra})` : ''}`;
}

/** The user's alerts with their state; edit, pause/resume, delete, and each one's history. */
export function AlertList() {
  const { t, i18n } = useTranslation();
  const alerts = useAlerts();
  const action = useAlertAction();
  const [editing, setEditing] = useState<number | null>(null);
  const [history, setHistory] = useState<number | null>(null);
  if (alerts.isPending) return <p>{t('app.loading')}</p>;
  if (alerts.isError) return <ErrorAlert error={alerts.error} />;
  if (alerts.data.items.length === 0)
    return <p className="text-body-secondary">{t('alerts.empty')}</p>;
  return (
    <>
      <ErrorAlert error={action.error} />
      <p className="small text-body-secondary">
        {t('alerts.activeCount', { active: alerts.data.active, max: alerts.data.max_active })}
      </p>
      <Table responsive hover size="sm" className="align-middle">
        <caption className="visually-hidden">{t('alerts.listTitle')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('alerts.symbol')}</th>
            <th scope="col">{t('alerts.condition')}</th>
            <th scope="col">{t('alerts.state')}</th>
            <th scope="col">{t('alerts.lastFired')}</th>
            <th scope="col">
              <span className="visually-hidden">{t('alerts.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {alerts.data.items.map((a) => (
            <Fragment key={a.id}>
              <tr>
                <th scope="row">{a.symbol}</th>
                <td>
                  {describe(a, t(`alerts.conditions.${a.condition}`))}
                  {a.recurring ? ` · ${t('alerts.recurringShort')}` : ''}
                  {a.note ? <div className="small text-body-secondary">{a.note}</div> : null}
                </td>
                <td>
                  <Badge bg={STATE_BG[a.state]}>{t(`alerts.states.${a.state}`)}</Badge>
                </td>
                <td>
                  {a.last_fired_at
                    ? formatDateTime(Date.parse(a.last_fired_at), i18n.language)
                    : '—'}
                </td>
                <td className="text-end text-nowrap">
                  {a.state === 'active' ? (
                    <Button
                      size="sm"
                      variant="outline-secondary"
                      className="me-1"
                      aria-label={t('alerts.pauseOf', { symbol: a.symbol, id: a.id })}
                      onClick={() => action.mutate({ id: a.id, action: 'pause' })}
                    >
                      {t('alerts.pause')}
                    </Button>
                  ) : null}
                  {a.state === 'paused' ? (
                    <Button
                      size="sm"
                      variant="outline-success"
                      className="me-1"
                      aria-label={t('alerts.resumeOf', { symbol: a.symbol, id: a.id })}
                      onClick={() => action.mutate({ id: a.id, action: 'resume' })}
                    >
                      {t('alerts.resume')}
                    </Button>
                  ) : null}
                  <Button
                    size="sm"
                    variant="outline-primary"
                    className="me-1"
                    aria-expanded={editing === a.id}
                    aria-label={t('alerts.editOf', { symbol: a.symbol, id: a.id })}
                    onClick={() => setEditing(editing === a.id ? null : a.id)}
                  >
                    {t('alerts.edit')}
                  </Button>
                  <Button
                    size="sm"
                    variant="outline-secondary"
                    className="me-1"
                    aria-expanded={history === a.id}
                    aria-label={t('alerts.historyOf', { symbol: a.symbol, id: a.id })}
                    onClick={() => setHistory(history === a.id ? null : a.id)}
                  >
                    {t('alerts.history')}
                  </Button>
                  <Button
                    size="sm"
                    variant="outline-danger"
                    aria-label={t('alerts.deleteOf', { symbol: a.symbol, id: a.id })}
                    onClick={() => {
                      if (window.confirm(t('alerts.confirmDelete'))) {
                        action.mutate({ id: a.id, action: 'delete' });
                      }
                    }}
                  >
                    {t('alerts.delete')}
                  </Button>
                </td>
              </tr>
              {editing === a.id ? (
                <tr>
                  <td colSpan={5}>
                    <AlertForm alert={a} onDone={() => setEditing(null)} />
                  </td>
                </tr>
              ) : null}
              {history === a.id ? (
                <tr>
                  <td colSpan={5}>
                    <AlertFirings alertId={a.id} />
                  </td>
                </tr>
              ) : null}
            </Fragment>
          ))}
        </tbody>
      </Table>
    </>
  );
}
