import Badge from 'react-bootstrap/Badge';
import { useTranslation } from 'react-i18next';

import { useMarketStatus } from '@/features/market/api/market';
import { formatDateTime } from '@/lib/format';
import { useWsStatus } from '@/lib/ws-context';

/** Always-visible state of /ws: live, reconnecting, or replay of recorded data with its clock. */
export function ConnectionBadge() {
  const { t, i18n } = useTranslation();
  const status = useWsStatus();
  // before the first market frame, the feed's status endpoint tells replay and its clock; its
  // replay_time counts only once the feed is connected (until then it reads the wall clock)
  const feed = useMarketStatus().data;
  const source = status.source ?? (feed?.source === 'replay' ? 'replay' : null);
  const eventTime = status.eventTime ?? (feed?.connected ? feed.replay_time : null);
  let variant = 'secondary';
  let text: string = t('connection.idle');
  let title: string | undefined;
  if (status.state === 'connecting') text = t('connection.connecting');
  if (status.state === 'reconnecting') {
    variant = 'warning';
    text = t('connection.reconnecting');
  }
  if (status.state === 'live') {
    variant = 'success';
    text = t('connection.live');
    if (source === 'replay') {
      variant = 'info';
      const date =
        eventTime === null
          ? ''
          : formatDateTime(eventTime, i18n.language, {
              dateStyle: 'medium',
              timeStyle: 'short',
              timeZone: 'UTC',
            });
      text = date ? t('connection.replay', { date }) : t('connection.replay', { date: '…' });
      title = t('connection.replayTitle', { date });
    }
  }
  return (
    <span role="status" aria-label={t('connection.label')} title={title} className="d-inline-flex">
      <Badge
        bg={variant}
        text={variant === 'warning' || variant === 'info' ? 'dark' : undefined}
        pill
      >
        <span className={`conn-dot conn-${status.state}`} aria-hidden="true" />
        {text}
      </Badge>
    </span>
  );
}
