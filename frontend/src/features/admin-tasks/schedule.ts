import type { TFunction } from 'i18next';

import type { Schedule } from './api/tasks';

const two = (n: number) => String(n).padStart(2, '0');

/** A task's schedule in the UI's language (UTC), from the API's structured fields. */
export function scheduleText(s: Schedule, t: TFunction): string {
  const everySecond = s.seconds.length === 60;
  if (s.minutes === null && s.hours === null) {
    return everySecond
      ? t('adminTasks.schedule.everySecond')
      : t('adminTasks.schedule.everyMinute');
  }
  if (s.hours === null && s.minutes !== null) {
    return t('adminTasks.schedule.hourly', { minutes: s.minutes.map(two).join(', :') });
  }
  if (s.hours !== null && s.minutes !== null && s.minutes.length === 1) {
    const minute = s.minutes[0] ?? 0;
    const times = s.hours.map((h) => `${two(h)}:${two(minute)}`).join(', ');
    return t('adminTasks.schedule.daily', { times });
  }
  return t('adminTasks.schedule.cron', { cron: s.cron });
}
