/** The API's one error shape, `{"error": {"code", "message", "details"}}`, as a thrown value. */

export interface FieldIssue {
  readonly field: string;
  readonly message: string;
  readonly type: string;
  readonly ctx: Readonly<Record<string, unknown>>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
    /** Seconds from Retry-After (429 lockout / rate limit). */
    readonly retryAfter: number | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** 422 details (pydantic style, loc like ["body","email"]) as per-field issues. */
  get fieldIssues(): FieldIssue[] {
    if (!Array.isArray(this.details)) return [];
    const issues: FieldIssue[] = [];
    for (const item of this.details as unknown[]) {
      if (typeof item !== 'object' || item === null) continue;
      const { loc, msg, type, ctx } = item as {
        loc?: unknown;
        msg?: unknown;
        type?: unknown;
        ctx?: unknown;
      };
      if (!Array.isArray(loc) || loc.length === 0) continue;
      const path = (loc as unknown[]).filter((part) => part !== 'body');
      const last = path[path.length - 1];
      issues.push({
        field: typeof last === 'string' || typeof last === 'number' ? String(last) : '',
        message: typeof msg === 'string' ? msg : '',
        type: typeof type === 'string' ? type : '',
        ctx: typeof ctx === 'object' && ctx !== null ? (ctx as Record<string, unknown>) : {},
      });
    }
    return issues;
  }
}

function parseRetryAfter(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number.parseInt(header, 10);
  if (!Number.isNaN(seconds)) return Math.max(0, seconds);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

export function toApiError(error: unknown, response: Response): ApiError {
  const body = typeof error === 'object' && error !== null && 'error' in error ? error.error : null;
  const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  return new ApiError(
    response.status,
    typeof record.code === 'string' ? record.code : `http_${response.status}`,
    typeof record.message === 'string' ? record.message : response.statusText,
    record.details ?? null,
    parseRetryAfter(response.headers.get('Retry-After')),
  );
}

interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** openapi-fetch result -> data, or a thrown ApiError (what TanStack Query wants). */
export async function unwrap<T>(promise: Promise<FetchResult<T>>): Promise<T> {
  const { data, error, response } = await promise;
  if (!response.ok) throw toApiError(error, response);
  return data as T;
}
