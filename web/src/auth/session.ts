// The explorer's log-in session. POST /api/v1/session with an API token sets an HttpOnly,
// SameSite=Strict cookie (the page never sees it) and answers a CSRF token, kept here in memory
// only: every change the explorer makes with the cookie sends it as X-CSRF-Token (see apiSend).
// After a reload the token is fetched again with GET /api/v1/session.

export interface SessionInfo {
  actor: string;
  role: string;
  person: string | null;
  csrf: string | null;
}

let csrf: string | null = null;

function parse(body: unknown): SessionInfo {
  const o = (body ?? {}) as Record<string, unknown>;
  const s = (k: string): string | null => (typeof o[k] === "string" ? (o[k] as string) : null);
  return { actor: s("actor") ?? "", role: s("role") ?? "", person: s("person"), csrf: s("csrf_token") };
}

async function errorMessage(response: Response): Promise<string> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? response.statusText;
}

/** Who is logged in; null when nobody is (401). */
export async function currentSession(signal?: AbortSignal): Promise<SessionInfo | null> {
  const response = await fetch("/api/v1/session", { headers: { Accept: "application/json" }, signal });
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(await errorMessage(response));
  const info = parse(await response.json());
  csrf = info.csrf;
  return info;
}

/** Log in with an API token; throws with the server's reason when it is refused. */
export async function logIn(token: string): Promise<SessionInfo> {
  const response = await fetch("/api/v1/session", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ token: token.trim() }),
  });
  if (!response.ok) throw new Error(await errorMessage(response));
  const info = parse(await response.json());
  csrf = info.csrf;
  return info;
}

/** A change (POST, PUT, PATCH, DELETE) made with the session cookie: it carries the CSRF token. */
export async function apiSend(method: "POST" | "PUT" | "PATCH" | "DELETE", url: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (csrf) headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  return fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

export async function logOut(): Promise<void> {
  await apiSend("DELETE", "/api/v1/session");
  csrf = null;
}

/** Where to go after logging in: a path of this site only (never another origin). */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\") || next.startsWith("/login")) return "/";
  return next;
}

/** To the log-in page, coming back here afterwards. */
export function loginUrl(here: string): string {
  return `/login?next=${encodeURIComponent(here)}`;
}
