// The as-of control's conversions: a datetime-local value (the browser's local time, no zone) to the
// ISO 8601 UTC moment the API takes in ?as_of=, and back for display in the input.

/** "2026-11-26T14:05" (local) -> "2026-11-26T13:05:00.000Z"; "" or an invalid value -> null. */
export function localToIso(local: string): string | null {
  if (!local) return null;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** An ISO moment -> the datetime-local value showing it in the browser's zone ("" if not a moment). */
export function isoToLocal(iso: string): string {
  const d = new Date(iso);
  if (!iso || Number.isNaN(d.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** One history event's change as a short text: what changed from what to what. */
export function describeChange(before: unknown, after: unknown): string {
  const b = (typeof before === "object" && before !== null ? before : {}) as Record<string, unknown>;
  const a = (typeof after === "object" && after !== null ? after : {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
  const changed = keys.filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]));
  return changed.map((k) => `${k}: ${JSON.stringify(b[k] ?? null)} → ${JSON.stringify(a[k] ?? null)}`).join("; ");
}
