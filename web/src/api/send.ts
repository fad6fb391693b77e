// Changes made from the explorer, over the session's apiSend (which carries the CSRF token): a 2xx answer's
// status and body, or an ApiError with the server's message.
import { apiSend as sendWithSession } from "../auth/session";
import { ApiError } from "./client";

export interface Sent {
  status: number;
  body: unknown;
}

export async function apiSend(method: "PUT" | "POST", url: string, body: unknown): Promise<Sent> {
  const response = await sendWithSession(method, url, body);
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
