// One incident: status and transitions, the frozen paging list and blast radius, what is suspect now,
// the timeline with notes, links, assignees and the playbooks attached when it opened.
import { useState } from "react";
import { apiGet } from "../../api/client";
import { apiPost } from "../../api/post";
import { arr, field, nodeRef, num, str, strs } from "../../api/model";
import { NodeLink, Section, Status } from "../../components";
import { Link, pageUrl } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import { NEXT, playbook } from "./model";
import { Playbooks } from "./Playbooks";

interface Loaded { doc: unknown; suspects: unknown }

export function IncidentPage({ id }: { id: string }) {
  const [version, setVersion] = useState(0);
  const r = useApi<Loaded>(`incident:${id}:${version}`, async (signal) => {
    const doc = await apiGet("/api/v1/incidents/{incident_id}", { path: { incident_id: id }, signal });
    const suspects = await apiGet("/api/v1/suspects", { query: { incident: id }, signal });
    return { doc, suspects };
  });
  const reload = () => setVersion((v) => v + 1);
  const doc = r.data?.doc;
  return (
    <>
      <h1>{doc ? <>{str(field(doc, "title"))} <code>{id}</code></> : <>Incident <code>{id}</code></>}</h1>
      <Status loading={r.loading && !doc} error={r.error}>
        {doc ? <Incident doc={doc} suspects={r.data?.suspects} onChange={reload} /> : null}
      </Status>
    </>
  );
}

function Incident({ doc, suspects, onChange }: { doc: unknown; suspects: unknown; onChange: () => void }) {
  const id = str(field(doc, "id"));
  const status = str(field(doc, "status"));
  const artifact = nodeRef(field(doc, "artifact"));
  const frozen = field(doc, "frozen");
  const page = arr(field(frozen, "page"));
  const impacted = arr(field(frozen, "impacted"));
  const suspect = arr(field(suspects, "suspects"));
  const timeline = [
    ...arr(field(doc, "status_history")).map((h) => ({ at: str(field(h, "at")), by: str(field(h, "by")),
      what: `${str(field(h, "status"))}${str(field(h, "reason")) ? `: ${str(field(h, "reason"))}` : ""}` })),
    ...arr(field(doc, "notes")).map((n) => ({ at: str(field(n, "at")), by: str(field(n, "by")), what: `note: ${str(field(n, "text"))}` })),
    ...arr(field(doc, "pages")).map((p) => ({ at: str(field(p, "at")), by: str(field(p, "by")),
      what: `paged via ${str(field(p, "format"))} to ${str(field(p, "target"))}: ${field(p, "ok") ? "delivered" : "FAILED"}` })),
  ].sort((a, b) => a.at.localeCompare(b.at));
  return (
    <>
      <p data-testid="incident-status" className={`status-line status-${status}`}>
        <strong>{status}</strong> · {str(field(doc, "severity"))} · on <NodeLink id={artifact.id} name={artifact.name} /> ({artifact.kind}) · opened {str(field(doc, "opened_at"))} by {str(field(doc, "opened_by"))}
      </p>
      {str(field(doc, "summary")) ? <p>{str(field(doc, "summary"))}</p> : null}
      {str(field(field(doc, "resolution"), "reason")) ? <p data-testid="resolution">Resolution: {str(field(field(doc, "resolution"), "reason"))}</p> : null}
      <Transitions id={id} status={status} onChange={onChange} />
      <Section title={`Paging list, frozen at ${str(field(frozen, "at"))} (${page.length})`} id="frozen-page">
        <ol data-testid="frozen-page">
          {page.map((p) => (
            <li key={str(field(p, "id"))}>
              <NodeLink id={str(field(p, "id"))} name={str(field(p, "name"))} /> · {strs(field(p, "roles")).join(", ")}
              {str(field(p, "contact")) ? ` · ${str(field(p, "contact"))}` : ""} · {arr(field(p, "deployments")).length} deployment(s)
            </li>
          ))}
        </ol>
        <p>What was known when it broke: {impacted.length} artifact(s) in the frozen blast radius. Later ingests do not change this list.</p>
      </Section>
      <Section title={`Suspect now (${suspect.length})`} id="suspects">
        {status === "resolved" ? <p>Resolved: nothing is suspect because of it any more.</p> : null}
        <ul data-testid="suspect-list">
          {suspect.map((s) => (
            <li key={str(field(s, "id"))}>
              <NodeLink id={str(field(s, "id"))} name={str(field(s, "name"))} kind={str(field(s, "kind"))} /> (distance {num(field(arr(field(s, "incidents"))[0], "distance"))})
            </li>
          ))}
        </ul>
      </Section>
      <Section title="Timeline" id="timeline">
        <ol data-testid="timeline">
          {timeline.map((t, i) => <li key={`${t.at}${i}`}><time>{t.at}</time> · {t.by} · {t.what}</li>)}
        </ol>
        <AddForm label="Add note" field="text" onSubmit={(text) => apiPost("/api/v1/incidents/{incident_id}/notes", { incident_id: id }, { text })} onDone={onChange} />
      </Section>
      <Section title="Assignees and links" id="links">
        <p>Assignees: {strs(field(doc, "assignees")).map((a) => <span key={a}><NodeLink id={a} /> </span>)}{strs(field(doc, "assignees")).length ? null : "nobody yet"}</p>
        <AddForm label="Assign (person:… or e-mail)" field="person" onSubmit={(p) => apiPost("/api/v1/incidents/{incident_id}/assignees", { incident_id: id }, { people: [p] })} onDone={onChange} />
        <ul data-testid="links">
          {arr(field(doc, "links")).map((l) => (
            <li key={str(field(l, "url")) + str(field(l, "at"))}>{str(field(l, "kind"))}: <a href={str(field(l, "url"))} rel="noreferrer noopener" target="_blank">{str(field(l, "title")) || str(field(l, "url"))}</a></li>
          ))}
        </ul>
        <LinkForm id={id} onDone={onChange} />
      </Section>
      <Playbooks items={arr(field(doc, "playbooks")).map(playbook)} id="incident-playbooks" />
      <p><Link to="/incidents">All incidents</Link> · <Link to={pageUrl("blast-radius", artifact.id)}>Blast radius now</Link></p>
    </>
  );
}

function Transitions({ id, status, onChange }: { id: string; status: string; onChange: () => void }) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState("");
  const moves = NEXT[status] ?? [];
  if (moves.length === 0) return null;
  const go = async (action: string) => {
    setError("");
    try {
      const path = action === "ack" ? "/api/v1/incidents/{incident_id}/ack" as const
        : action === "mitigate" ? "/api/v1/incidents/{incident_id}/mitigate" as const : "/api/v1/incidents/{incident_id}/resolve" as const;
      await apiPost(path, { incident_id: id }, { reason: reason || null });
      setReason("");
      onChange();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <div className="toolbar transitions">
      <label>Reason <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="why (required to resolve)" /></label>
      {moves.map((m) => (
        <button key={m.action} type="button" disabled={m.needsReason && !reason.trim()} onClick={() => void go(m.action)}>{m.label}</button>
      ))}
      {error ? <p role="alert" className="error">{error}</p> : null}
    </div>
  );
}

function AddForm({ label, field: name, onSubmit, onDone }: { label: string; field: string; onSubmit: (value: string) => Promise<unknown>; onDone: () => void }) {
  const [value, setValue] = useState("");
  const [error, setError] = useState("");
  return (
    <form className="inline-form" aria-label={label} onSubmit={(e) => {
      e.preventDefault();
      setError("");
      onSubmit(value).then(() => { setValue(""); onDone(); }, (err: unknown) => setError(err instanceof Error ? err.message : String(err)));
    }}>
      <label>{label} <input name={name} value={value} onChange={(e) => setValue(e.target.value)} /></label>
      <button type="submit" disabled={!value.trim()}>Add</button>
      {error ? <p role="alert" className="error">{error}</p> : null}
    </form>
  );
}

function LinkForm({ id, onDone }: { id: string; onDone: () => void }) {
  const [kind, setKind] = useState("postmortem");
  return (
    <div className="link-form">
      <label>Kind{" "}
        <select value={kind} onChange={(e) => setKind(e.target.value)}>
          {["postmortem", "ticket", "dashboard", "runbook", "chat", "other"].map((k) => <option key={k} value={k}>{k}</option>)}
        </select>
      </label>
      <AddForm label="Link (https://…)" field="url" onDone={onDone}
        onSubmit={(url) => apiPost("/api/v1/incidents/{incident_id}/links", { incident_id: id }, { url, kind })} />
    </div>
  );
}
