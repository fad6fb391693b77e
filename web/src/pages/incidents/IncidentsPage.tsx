import { apiGet } from "../../api/client";
import { arr, field } from "../../api/model";
import { NodeLink, Status } from "../../components";
import { Link, pageUrl, setQuery } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import { incidentBrief } from "./model";

const STATUSES = ["", "active", "open", "acknowledged", "mitigated", "resolved"] as const;
type StatusFilter = Exclude<(typeof STATUSES)[number], "">;

export function IncidentsPage({ query }: { query: URLSearchParams }) {
  const raw = query.get("status") ?? "";
  const status = (STATUSES as readonly string[]).includes(raw) && raw ? (raw as StatusFilter) : undefined;
  const r = useApi(`incidents:${status ?? ""}`, async (signal) =>
    arr(field(await apiGet("/api/v1/incidents", { query: { status }, signal }), "incidents")).map(incidentBrief));
  return (
    <>
      <h1>Incidents</h1>
      <div className="toolbar">
        <label>Status{" "}
          <select value={status ?? ""} onChange={(e) => setQuery({ status: e.target.value || null })}>
            {STATUSES.map((s) => <option key={s} value={s}>{s || "all"}</option>)}
          </select>
        </label>
        <span>Open one from any artifact&apos;s page.</span>
      </div>
      <Status loading={r.loading} error={r.error}>
        {r.data && r.data.length === 0 ? <p>No incidents.</p> : null}
        {r.data && r.data.length ? (
          <table data-testid="incidents">
            <caption>Newest first</caption>
            <thead><tr><th scope="col">Incident</th><th scope="col">Severity</th><th scope="col">Status</th><th scope="col">Artifact</th><th scope="col">Opened</th><th scope="col">Resolution</th></tr></thead>
            <tbody>
              {r.data.map((i) => (
                <tr key={i.id}>
                  <td><Link to={pageUrl("incidents", i.id)}>{i.title}</Link> <code>{i.id}</code></td>
                  <td>{i.severity}</td><td>{i.status}</td>
                  <td><NodeLink id={i.artifact.id} name={i.artifact.name} /> ({i.artifact.kind})</td>
                  <td>{i.openedAt}</td><td>{i.resolution}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Status>
    </>
  );
}
