/// <reference lib="dom" />
// The console's JSON API, called with the Teams SSO token on every request.
// The token is asked of Teams each time (Teams caches it) and kept nowhere.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Query = Record<string, string | string[] | number | undefined>;

export interface Api {
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  /** A file the service builds (an export), handed to the browser as a download. */
  download(path: string, query: Query, fallbackName: string): Promise<void>;
}

function urlOf(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === '') continue;
    for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
  }
  const qs = params.toString();
  return `/console/api/${path}${qs ? `?${qs}` : ''}`;
}

async function failure(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => null)) as { code?: string; message?: string } | null;
  return new ApiError(res.status, body?.code ?? `HTTP_${res.status}`, body?.message ?? `The service answered ${res.status}.`);
}

export function createApi(token: () => Promise<string>): Api {
  async function call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${await token()}`, accept: 'application/json' };
    if (method === 'POST') headers['content-type'] = 'application/json';
    const res = await fetch(url, { method, headers, credentials: 'omit', cache: 'no-store', ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}) });
    if (!res.ok) throw await failure(res);
    return res;
  }
  return {
    async get<T>(path: string, query?: Query) {
      return (await (await call('GET', urlOf(path, query))).json()) as T;
    },
    async post<T>(path: string, body?: unknown) {
      return (await (await call('POST', urlOf(path), body)).json()) as T;
    },
    async download(path, query, fallbackName) {
      const res = await call('GET', urlOf(path, query));
      const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? fallbackName;
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
  };
}
