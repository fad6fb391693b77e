// Changes through the API: POST with a JSON body over the log-in session (apiSend adds the CSRF
// token), typed on the generated schema's POST paths.
import type { paths } from "./schema";
import { ApiError } from "./client";
import { apiSend } from "../auth/session";

type PostPath = { [P in keyof paths]: paths[P] extends { post: unknown } ? P : never }[keyof paths];

export async function apiPost<P extends PostPath>(path: P, pathParams: Record<string, string>, body: unknown): Promise<unknown> {
  const url = String(path).replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = pathParams[name];
    if (value === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(value);
  });
  const response = await apiSend("POST", url, body);
  const data: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const err = (data as { error?: { code?: string; message?: string } } | null) ?? {};
    throw new ApiError(response.status, err.error?.code ?? "http_error", err.error?.message ?? response.statusText);
  }
  return data;
}
