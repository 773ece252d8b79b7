import Button from 'react-bootstrap/Button';
import Table from 'react-bootstrap/Table';
import { useTranslation } from 'react-i18next';

import { TableScroll } from '@/components/table-scroll';

import type { LogLine } from '../api/system';
import { useFigureFormat } from '../hooks/use-figure-format';

const LEVEL_CLASS: Record<string, string> = {
  WARNING: 'text-warning-emphasis',
  ERROR: 'text-danger-emphasis fw-semibold',
  CRITICAL: 'text-danger-emphasis fw-bold',
};

/** Log lines, newest last; a request id is a button that follows that request. */
export function LogsTable({
  lines,
  onRequestId,
}: {
  readonly lines: readonly LogLine[];
  readonly onRequestId: (id: string) => void;
}) {
  const { t } = useTranslation();
  const f = useFigureFormat();
  return (
    <TableScroll label={t('adminSystem.logs.caption')}>
      <Table size="sm" className="small font-monospace">
        <caption className="visually-hidden">{t('adminSystem.logs.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('adminSystem.logs.time')}</th>
            <th scope="col">{t('adminSystem.logs.source')}</th>
            <th scope="col">{t('adminSystem.logs.level')}</th>
            <th scope="col">{t('adminSystem.logs.message')}</th>
            <th scope="col">{t('adminSystem.logs.requestId')}</th>
            <th scope="col">{t('adminSystem.logs.fields')}</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line, i) => (
            <tr key={`${line.time}-${i}`}>
              <td className="text-nowrap">{f.time(line.time)}</td>
              <td>{line.source}</td>
              <td className={LEVEL_CLASS[line.level] ?? ''}>{line.level}</td>
              <td lang="en">
                {line.message}
                {line.exception ? (
                  <div className="text-danger-emphasis">{line.exception}</div>
                ) : null}
              </td>
              <td>
                {line.request_id ? (
                  <Button
                    variant="link"
                    size="sm"
                    className="p-0 font-monospace small"
                    onClick={() => onRequestId(line.request_id ?? '')}
                    aria-label={t('adminSystem.logs.follow', { id: line.request_id })}
                  >
                    {line.request_id}
                  </Button>
                ) : null}
              </td>
              <td lang="en" className="text-break">
                {Object.entries(line.fields)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(' ')}
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
    </TableScroll>
  );
}
