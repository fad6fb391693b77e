import { useState } from "react";
import { field, str } from "../../api/model";
import { apiSend, names } from "../../api/send";
import { Link } from "../../lib/router";

/** On an artifact's page: set (or propose) its owners and stewards. Applied at once for an admin or an owning
 * editor; a change request for anyone else with the editor role. Empty boxes leave that role alone. */
export function OwnershipForm({ id, onApplied }: { id: string; onApplied: () => void }) {
  const [owners, setOwners] = useState("");
  const [stewards, setStewards] = useState("");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string; change?: string } | null>(null);
  const submit = () => {
    const body: Record<string, unknown> = { reason };
    if (owners.trim()) body.owners = names(owners);
    if (stewards.trim()) body.stewards = names(stewards);
    setBusy(true);
    apiSend("PUT", `/api/v1/ownership/${encodeURIComponent(id)}`, body).then(
      (sent) => {
        const change = str(field(sent.body, "change_id"));
        if (sent.status === 202) setResult({ ok: true, text: "Change request filed: an owner or an admin approves it.", change });
        else { setResult({ ok: true, text: "Applied.", change }); onApplied(); }
      },
      (err: unknown) => setResult({ ok: false, text: err instanceof Error ? err.message : String(err) }),
    ).finally(() => setBusy(false));
  };
  return (
    <form className="ownership-form" aria-label="Change owners" onSubmit={(e) => { e.preventDefault(); submit(); }}>
      <label>Owners <input name="owners" value={owners} placeholder="e-mails, @handles, team:…; comma-separated"
        onChange={(e) => setOwners(e.target.value)} /></label>{" "}
      <label>Stewards <input name="stewards" value={stewards} onChange={(e) => setStewards(e.target.value)} /></label>{" "}
      <label>Reason <input name="reason" value={reason} required maxLength={2000} onChange={(e) => setReason(e.target.value)} /></label>{" "}
      <button type="submit" disabled={busy || !reason.trim() || (!owners.trim() && !stewards.trim())}>Set owners</button>
      {result ? (
        <p role={result.ok ? "status" : "alert"} className={result.ok ? "" : "error"}>
          {result.text}{result.change ? <> (<Link to={`/changes?status=all&artifact=${encodeURIComponent(id)}`}>{result.change}</Link>)</> : null}
        </p>
      ) : null}
    </form>
  );
}
