// Changes made from the explorer (PUT/POST with a JSON body). With a log-in session the server wants the
// session's CSRF token in X-CSRF-Token on every change; it is read once from GET /api/v1/session.
import { ApiError } from "./client";

let csrf: Promise<string | null> | null = null;

function csrfToken(): Promise<string | null> {
  csrf ??= fetch("/api/v1/session", { headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? (r.json() as Promise<unknown>) : null))
    .then((b) => {
      const t = (b as { csrf_token?: unknown } | null)?.csrf_token;
      return typeof t === "string" ? t : null;
    })
    .catch(() => null);
  return csrf;
}

export interface Sent {
  status: number;
  body: unknown;
}

/** Send a change; resolves with the status and body of a 2xx answer, throws ApiError with the server's message otherwise. */
export async function apiSend(method: "PUT" | "POST", url: string, body: unknown): Promise<Sent> {
  const headers: Record<string, string> = { Accept: "application/json", "Content-Type": "application/json" };
  const token = await csrfToken();
  if (token) headers["X-CSRF-Token"] = token;
  const response = await fetch(url, { method, headers, body: JSON.stringify(body) });
  const parsed: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const err = (parsed as { error?: { code?: string; message?: string } } | null) ?? {};
    throw new ApiError(response.status, err.error?.code ?? "http_error", err.error?.message ?? response.statusText);
  }
  return { status: response.status, body: parsed };
}

/** Names typed in one box, separated by commas or new lines ("" gives none). */
export function names(input: string): string[] {
  return input.split(/[,\n]/).map((s) => s.trim()).filter((s) => s !== "");
}
