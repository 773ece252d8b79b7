/** Role order of the API (backend/security.py): trader < analyst < admin. */
export const ROLES = ['trader', 'analyst', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function hasRole(actual: string | undefined, required: Role): boolean {
  const have = ROLES.indexOf(actual as Role);
  return have >= 0 && have >= ROLES.indexOf(required);
}
