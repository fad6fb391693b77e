// A typed fetch client over the API. Paths and their parameters come from the generated schema
// (schema.d.ts, made from the server's /openapi.json at build time); bodies are read defensively
// (see ./model.ts) because the analyses answer open JSON objects that gain fields over time.
import type { paths } from "./schema";

type GetPath = { [P in keyof paths]: paths[P] extends { get: unknown } ? P : never }[keyof paths];
type Params<P extends GetPath> = paths[P]["get"] extends { parameters: infer X } ? X : never;
type PathParams<P extends GetPath> = Params<P> extends { path?: infer T } ? (T extends object ? T : never) : never;
type QueryParams<P extends GetPath> = Params<P> extends { query?: infer T } ? T : never;

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function buildUrl<P extends GetPath>(
  path: P,
  pathParams?: PathParams<P>,
  query?: QueryParams<P>,
): string {
  let url = String(path).replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = (pathParams as Record<string, unknown> | undefined)?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const item of v) search.append(k, String(item));
    else search.set(k, String(v));
  }
  const qs = search.toString();
  if (qs) url += `?${qs}`;
  return url;
}

export async function apiGet<P extends GetPath>(
  path: P,
  options: { path?: PathParams<P>; query?: QueryParams<P>; signal?: AbortSignal } = {},
): Promise<unknown> {
  const response = await fetch(buildUrl(path, options.path, options.query), {
    headers: { Accept: "application/json" },
    signal: options.signal,
  });
  if (response.status === 401) {
    // The session ended (logged out elsewhere, token revoked or expired): log in again, then come back.
    window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok && response.status !== 409) {
    const err = (body as { error?: { code?: string; message?: string }; detail?: unknown } | null) ?? {};
    const message = err.error?.message ?? (typeof err.detail === "string" ? err.detail : response.statusText);
    throw new ApiError(response.status, err.error?.code ?? "http_error", message);
  }
  return body;
}
