/**
 * Names of the audit log's actions (backend/audit; the codes are the security log's event names).
 * Kept out of the typed i18n tree on purpose: every key there widens i18next's key type, and these
 * are data labels looked up by a code from the API, never a literal key in a component.
 */
export const AUDIT_ACTIONS = {
  en: {
    'auth.registered': 'Registered',
    'auth.login_succeeded': 'Logged in',
    'auth.login_failed': 'Failed login',
    'auth.login_disabled': 'Login of a blocked account',
    'auth.lockout': 'Login locked',
    'auth.slowdown': 'Logins slowed down',
    'auth.unlocked': 'Login unlocked',
    'auth.logout_all': 'Signed out everywhere',
    'auth.refresh_reuse': 'Refresh token reused',
    'user.email_changed': 'Email changed',
    'user.email_change_refused': 'Email change refused',
    'user.password_changed': 'Password changed',
    'user.password_change_failed': 'Password change failed',
    'user.role_changed': 'Role changed',
    'user.blocked': 'Blocked',
    'user.unblocked': 'Unblocked',
    'user.sessions_revoked': 'Sessions revoked by an admin',
    'telegram.linked': 'Telegram linked',
    'telegram.unlinked': 'Telegram unlinked',
    'webhook.set': 'Webhook set',
    'webhook.deleted': 'Webhook removed',
  },
  ru: {
    'auth.registered': 'Регистрация',
    'auth.login_succeeded': 'Вход',
    'auth.login_failed': 'Неудачный вход',
    'auth.login_disabled': 'Вход заблокированной учётной записи',
    'auth.lockout': 'Вход заблокирован',
    'auth.slowdown': 'Входы замедлены',
    'auth.unlocked': 'Блокировка входа снята',
    'auth.logout_all': 'Выход на всех устройствах',
    'auth.refresh_reuse': 'Повторное использование refresh-токена',
    'user.email_changed': 'Email изменён',
    'user.email_change_refused': 'Отказ в смене email',
    'user.password_changed': 'Пароль изменён',
    'user.password_change_failed': 'Неудачная смена пароля',
    'user.role_changed': 'Роль изменена',
    'user.blocked': 'Заблокирован',
    'user.unblocked': 'Разблокирован',
    'user.sessions_revoked': 'Сеансы завершены администратором',
    'telegram.linked': 'Telegram привязан',
    'telegram.unlinked': 'Telegram отвязан',
    'webhook.set': 'Вебхук задан',
    'webhook.deleted': 'Вебхук удалён',
  },
} as const;

export type AuditActionCode = keyof (typeof AUDIT_ACTIONS)['en'];

/** The action's name in `lang`; a code this build does not know is shown as it is. */
export function actionLabel(action: string, lang: string): string {
  const names: Record<string, string> = lang.startsWith('ru') ? AUDIT_ACTIONS.ru : AUDIT_ACTIONS.en;
  return Object.hasOwn(names, action) ? (names[action] ?? action) : action;
}
