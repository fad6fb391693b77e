import { useState } from "react";
import { arr, field } from "../../api/model";
import { apiSend } from "../../api/send";
import { Link } from "../../lib/router";

/** On a person's page: turn their handoff checklist into change requests (one per artifact, the person
 * replaced by the successor in the roles they hold). Someone other than whoever filed them approves each. */
export function HandoffApplyForm({ person }: { person: string }) {
  const [to, setTo] = useState("");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const submit = () => {
    setBusy(true);
    apiSend("POST", `/api/v1/handoff/${encodeURIComponent(person)}/apply`, { to: to.trim(), reason }).then(
      (sent) => {
        const filed = arr(field(sent.body, "requests")).length;
        const skipped = arr(field(sent.body, "skipped")).length;
        setResult({ ok: true, text: `${filed} change request${filed === 1 ? "" : "s"} filed` + (skipped ? `, ${skipped} skipped (held through a team)` : "") + "." });
      },
      (err: unknown) => setResult({ ok: false, text: err instanceof Error ? err.message : String(err) }),
    ).finally(() => setBusy(false));
  };
  return (
    <form className="ownership-form" aria-label="Apply the handoff" onSubmit={(e) => { e.preventDefault(); submit(); }}>
      <label>Successor <input name="to" value={to} required placeholder="e-mail, @handle or person:…"
        onChange={(e) => setTo(e.target.value)} /></label>{" "}
      <label>Reason <input name="handoff-reason" value={reason} required maxLength={2000} onChange={(e) => setReason(e.target.value)} /></label>{" "}
      <button type="submit" disabled={busy || !to.trim() || !reason.trim()}>File the transfers</button>
      {result ? (
        <p role={result.ok ? "status" : "alert"} className={result.ok ? "" : "error"} data-testid="handoff-applied">
          {result.text}{result.ok ? <> <Link to="/changes?status=open">Open change requests</Link></> : null}
        </p>
      ) : null}
    </form>
  );
}
