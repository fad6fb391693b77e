// Readers for the reviews and on-call JSON (see ../../api/model.ts for the defensive style).
import { arr, field, num, str, text } from "../../api/model";
import { apiSend } from "../../auth/session";

export interface Review {
  id: string;
  artifact: string;
  type: string;
  by: string;
  outcome: string;
  notes: string;
  reviewedAt: string;
  actor: string;
}
export const review = (x: unknown): Review => ({
  id: str(field(x, "id")),
  artifact: str(field(x, "artifact")),
  type: str(field(x, "type")),
  by: str(field(x, "by")),
  outcome: str(field(x, "outcome")),
  notes: text(field(x, "notes")),
  reviewedAt: str(field(x, "reviewed_at")),
  actor: str(field(x, "actor")),
});
export const reviews = (x: unknown): Review[] => arr(field(x, "reviews")).map(review);

export interface DueItem {
  artifact: string;
  kind: string;
  name: string;
  type: string;
  status: string;
  due: string;
  daysOverdue: number | null;
  daysLeft: number | null;
  policy: string;
  last: Review | null;
}
export const dueItems = (x: unknown): DueItem[] =>
  arr(field(x, "due")).map((e) => {
    const last = field(e, "last_review");
    const over = field(e, "days_overdue");
    const left = field(e, "days_left");
    return {
      artifact: str(field(e, "artifact")),
      kind: str(field(e, "kind")),
      name: str(field(e, "name"), str(field(e, "artifact"))),
      type: str(field(e, "type")),
      status: str(field(e, "status")),
      due: str(field(e, "due")),
      daysOverdue: typeof over === "number" ? num(over) : null,
      daysLeft: typeof left === "number" ? num(left) : null,
      policy: str(field(e, "policy")),
      last: last ? review(last) : null,
    };
  });

/** When a review is due, in words: overdue, never done, failed, or in N days. */
export function dueText(d: DueItem): string {
  if (d.status === "never") return "never reviewed: due now";
  if (d.status === "failed") return `failed ${d.daysOverdue ?? 0} day(s) ago: due until it passes`;
  if (d.daysOverdue !== null) return `${d.daysOverdue} day(s) overdue (due ${d.due.slice(0, 10)})`;
  return `due ${d.due.slice(0, 10)}, in ${d.daysLeft ?? 0} day(s)`;
}

export interface Shift {
  person: string;
  name: string;
  contact: string;
  starts: string;
  ends: string;
  coveringFor: string;
}
export const shift = (x: unknown): Shift | null =>
  x && typeof x === "object"
    ? {
        person: str(field(x, "person")),
        name: str(field(x, "name"), str(field(x, "person"))),
        contact: text(field(x, "contact")),
        starts: str(field(x, "starts")),
        ends: str(field(x, "ends")),
        coveringFor: str(field(x, "covering_for")),
      }
    : null;

/** POST JSON with the session's CSRF token (see ../../auth/session.ts); the API's error message on failure. */
export async function postJson(url: string, body: unknown): Promise<unknown> {
  const response = await apiSend("POST", url, body);
  const data: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const message = str(field(field(data, "error"), "message")) || text(field(data, "detail")) || response.statusText;
    throw new Error(message);
  }
  return data;
}
