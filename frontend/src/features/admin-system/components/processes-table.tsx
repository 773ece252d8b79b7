import Table from 'react-bootstrap/Table';
import { useTranslation } from 'react-i18next';

import { TableScroll } from '@/components/table-scroll';

import type { MetricsSummary } from '../api/system';
import { useFigureFormat } from '../hooks/use-figure-format';

/** Each process's newest sample, and each symbol's feed lag as this API process sees it. */
export function ProcessesTable({ summary }: { readonly summary: MetricsSummary }) {
  const { t } = useTranslation();
  const f = useFigureFormat();
  const lags = Object.entries(summary.feed_lag_ms);
  return (
    <div className="row g-3">
      <div className="col-lg-8">
        <h2 className="h5">{t('adminSystem.processes')}</h2>
        {summary.processes.length === 0 ? (
          <p className="text-body-secondary">{t('adminSystem.noProcesses')}</p>
        ) : (
          <TableScroll label={t('adminSystem.processes')}>
            <Table size="sm" className="align-middle">
              <thead>
                <tr>
                  <th scope="col">{t('adminSystem.process')}</th>
                  <th scope="col">{t('adminSystem.lastSeen')}</th>
                  <th scope="col">{t('adminSystem.cpu')}</th>
                  <th scope="col">{t('adminSystem.memory')}</th>
                  <th scope="col">{t('adminSystem.dbConnections')}</th>
                </tr>
              </thead>
              <tbody>
                {summary.processes.map((p) => (
                  <tr key={p.instance}>
                    <th scope="row">
                      {p.process} <span className="small text-body-secondary">{p.instance}</span>
                    </th>
                    <td>{f.time(p.last_seen)}</td>
                    <td>{f.decimal(p.cpu_percent, 1)} %</td>
                    <td>{f.bytes(p.rss_bytes)}</td>
                    <td>{f.count(p.db_pool_in_use)}</td>
                  </tr>
                ))}
              </tbody>
            </Table>
          </TableScroll>
        )}
      </div>
      <div className="col-lg-4">
        <h2 className="h5">{t('adminSystem.feedLag')}</h2>
        <TableScroll label={t('adminSystem.feedLag')}>
          <Table size="sm">
            <thead>
              <tr>
                <th scope="col">{t('adminSystem.symbol')}</th>
                <th scope="col">{t('adminSystem.lag')}</th>
              </tr>
            </thead>
            <tbody>
              {lags.map(([symbol, lag]) => (
                <tr key={symbol}>
                  <th scope="row">{symbol}</th>
                  <td>{lag === null ? t('adminSystem.noTicker') : f.ms(lag)}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        </TableScroll>
      </div>
    </div>
  );
}
