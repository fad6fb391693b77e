// What an artifact page shows of incidents: the suspect banner, an "Open incident" form, the history
// of incidents on it and upstream, and the playbooks that apply (all from the node detail's JSON).
import { useState } from "react";
import { apiPost } from "../../api/post";
import { arr, field, str } from "../../api/model";
import { NodeLink, Section } from "../../components";
import { Link, navigate, pageUrl } from "../../lib/router";
import { incidentBrief, playbook, suspectMark, type SuspectMark } from "./model";
import { Playbooks } from "./Playbooks";

export function SuspectBanner({ marks }: { marks: SuspectMark[] }) {
  if (marks.length === 0) return null;
  return (
    <div className="suspect-banner" role="note" data-testid="suspect">
      <strong>Suspect</strong>: {marks.map((m) => (
        <span key={m.incident}>
          <Link to={pageUrl("incidents", m.incident)}>{m.incident}</Link> ({m.severity}, {m.status}) {m.title}
          {m.distance ? <> — {m.distance} step(s) downstream of <NodeLink id={m.root} /></> : " — on this artifact"}.{" "}
        </span>
      ))}
    </div>
  );
}

export function OpenIncident({ artifact }: { artifact: string }) {
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState("");
  const [severity, setSeverity] = useState("sev2");
  const [summary, setSummary] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  if (!open) return <button type="button" className="open-incident" onClick={() => setOpen(true)}>Open incident</button>;
  const submit = async () => {
    setBusy(true);
    setError("");
    try {
      const doc = await apiPost("/api/v1/incidents", {}, { artifact, title, severity, summary: summary || null });
      navigate(pageUrl("incidents", str(field(doc, "id"))));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card incident-form" aria-label="Open incident" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <label>Title <input required maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} /></label>
      <label>Severity{" "}
        <select value={severity} onChange={(e) => setSeverity(e.target.value)}>
          {["sev1", "sev2", "sev3", "sev4"].map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
      </label>
      <label>Summary <textarea maxLength={10000} value={summary} onChange={(e) => setSummary(e.target.value)} /></label>
      <button type="submit" disabled={busy || !title.trim()}>Open and freeze the paging list</button>{" "}
      <button type="button" onClick={() => setOpen(false)}>Cancel</button>
      {error ? <p role="alert" className="error">{error}</p> : null}
    </form>
  );
}

export function ArtifactIncidents({ node }: { node: unknown }) {
  const history = arr(field(node, "incidents")).map(incidentBrief);
  const books = arr(field(node, "playbooks")).map(playbook);
  return (
    <>
      <Section title={`Incidents of it and upstream (${history.length})`} id="incidents">
        {history.length === 0 ? <p>No incidents on it or on anything upstream of it.</p> : (
          <table data-testid="incident-history">
            <caption>Newest first; what broke before is what breaks again</caption>
            <thead><tr><th scope="col">Incident</th><th scope="col">Severity</th><th scope="col">Status</th><th scope="col">On</th><th scope="col">Resolution</th><th scope="col">Postmortem</th></tr></thead>
            <tbody>
              {history.map((i) => (
                <tr key={i.id}>
                  <td><Link to={pageUrl("incidents", i.id)}>{i.title}</Link> <code>{i.id}</code></td>
                  <td>{i.severity}</td><td>{i.status}</td>
                  <td>{i.relation === "itself" ? "this artifact" : <NodeLink id={i.artifact.id} name={i.artifact.name} />}</td>
                  <td>{i.resolution}</td>
                  <td>{i.postmortems.map((u) => <a key={u} href={u} rel="noreferrer noopener" target="_blank">{u}</a>)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      <Playbooks items={books} />
    </>
  );
}

export const suspectMarks = (node: unknown): SuspectMark[] => arr(field(node, "suspect")).map(suspectMark);
