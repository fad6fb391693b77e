import { useState } from "react";
import { apiGet } from "../../api/client";
import { arr, field, str, strs } from "../../api/model";
import { apiSend } from "../../api/send";
import { NodeLink, Section, Status } from "../../components";
import { setQuery } from "../../lib/router";
import { useApi } from "../../lib/useApi";

const STATUSES = ["open", "applied", "rejected", "all"] as const;

interface Change {
  id: string;
  status: string;
  artifact: string;
  owners: string[] | null;
  stewards: string[] | null;
  reason: string;
  requestedBy: string;
  decidedBy: string;
  decisionReason: string;
  createdAt: string;
  handoff: string;
}

function change(x: unknown): Change {
  const list = (v: unknown) => (Array.isArray(v) ? strs(v) : null);
  const h = field(x, "handoff");
  return {
    id: str(field(x, "id")), status: str(field(x, "status")), artifact: str(field(x, "artifact")),
    owners: list(field(x, "owners")), stewards: list(field(x, "stewards")), reason: str(field(x, "reason")),
    requestedBy: str(field(x, "requested_by")), decidedBy: str(field(x, "decided_by")),
    decisionReason: str(field(x, "decision_reason")), createdAt: str(field(x, "created_at")),
    handoff: h ? `${str(field(h, "from"))} → ${str(field(h, "to"))}` : "",
  };
}

function People({ ids }: { ids: string[] | null }) {
  if (ids === null) return <span className="muted">unchanged</span>;
  if (!ids.length) return <span className="muted">none (back to the next origin)</span>;
  return <>{ids.map((p) => <span key={p}><NodeLink id={p} /> </span>)}</>;
}

function Decide({ c, onDone }: { c: Change; onDone: () => void }) {
  const [reason, setReason] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const decide = (verb: "approve" | "reject") => {
    setBusy(true);
    apiSend("POST", `/api/v1/changes/${encodeURIComponent(c.id)}/${verb}`, { reason }).then(
      () => { setMessage({ ok: true, text: verb === "approve" ? "Approved and applied" : "Rejected" }); onDone(); },
      (err: unknown) => setMessage({ ok: false, text: err instanceof Error ? err.message : String(err) }),
    ).finally(() => setBusy(false));
  };
  return (
    <form className="decide" onSubmit={(e) => e.preventDefault()}>
      <label>
        Reason <input name="reason" value={reason} required maxLength={2000} aria-label={`Reason for ${c.id}`}
          onChange={(e) => setReason(e.target.value)} />
      </label>{" "}
      <button type="button" disabled={busy || !reason.trim()} onClick={() => decide("approve")}>Approve</button>{" "}
      <button type="button" disabled={busy || !reason.trim()} onClick={() => decide("reject")}>Reject</button>
      {message ? <p role={message.ok ? "status" : "alert"} className={message.ok ? "" : "error"}>{message.text}</p> : null}
    </form>
  );
}

export function ChangesPage({ query }: { query: URLSearchParams }) {
  const status = query.get("status") ?? "open";
  const artifact = query.get("artifact") ?? "";
  const [version, setVersion] = useState(0);
  const r = useApi(`changes:${status}:${artifact}:${version}`, async (signal) => {
    const body = await apiGet("/api/v1/changes", {
      query: { status: status === "all" ? undefined : (status as "open" | "applied" | "rejected"), artifact: artifact || undefined },
      signal,
    });
    return arr(field(body, "changes")).map(change);
  });
  return (
    <>
      <h1>Change requests</h1>
      <p>
        Ownership changes made through Steward. An owner of the artifact or an admin approves a request (which applies
        it) or rejects it; nobody approves their own request.
      </p>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status{" "}
          <select name="status" value={status} onChange={(e) => setQuery({ status: e.target.value })}>
            {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        {artifact ? <> · only <NodeLink id={artifact} /> <button type="button" onClick={() => setQuery({ artifact: null })}>show all</button></> : null}
      </form>
      <Status loading={r.loading} error={r.error}>
        <Section title={`${r.data?.length ?? 0} change(s)`} id="changes">
          {r.data && r.data.length ? (
            <table data-testid="changes">
              <caption>Newest first</caption>
              <thead>
                <tr><th scope="col">Change</th><th scope="col">Artifact</th><th scope="col">Owners</th><th scope="col">Stewards</th>
                  <th scope="col">Asked by, why</th><th scope="col">Status</th></tr>
              </thead>
              <tbody>
                {r.data.map((c) => (
                  <tr key={c.id} data-change={c.id}>
                    <td><code>{c.id}</code>{c.handoff ? <div className="muted">handoff {c.handoff}</div> : null}</td>
                    <td><NodeLink id={c.artifact} /></td>
                    <td><People ids={c.owners} /></td>
                    <td><People ids={c.stewards} /></td>
                    <td>{c.requestedBy}: {c.reason}<div className="muted">{c.createdAt}</div></td>
                    <td>
                      <strong>{c.status}</strong>
                      {c.status === "open" ? <Decide c={c} onDone={() => setVersion((v) => v + 1)} />
                        : c.decidedBy ? <div>by {c.decidedBy}{c.decisionReason ? `: ${c.decisionReason}` : ""}</div> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : <p>No {status === "all" ? "" : `${status} `}changes.</p>}
        </Section>
      </Status>
    </>
  );
}
