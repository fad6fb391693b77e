import { apiGet } from "../../api/client";
import { arr, countBy, field, nodeRef, num, str, text } from "../../api/model";
import { CountTable, NodeLink, Section, Status, ago } from "../../components";
import { Link, pageUrl } from "../../lib/router";
import { useApi } from "../../lib/useApi";

export function UpstreamPage({ id }: { id: string }) {
  const r = useApi(`up:${id}`, async (signal) => {
    const body = await apiGet("/api/v1/upstream/{node_id}", { path: { node_id: id }, query: { days: 30 }, signal });
    return {
      root: nodeRef(field(body, "root")),
      upstream: arr(field(body, "upstream")).map((u) => ({ ...nodeRef(u), distance: num(field(u, "distance")) })),
      changes: arr(field(body, "changes")).map((c) => ({
        at: str(field(c, "at")), kind: str(field(c, "kind")), id: str(field(c, "id")), summary: text(field(c, "summary")),
        name: text(field(c, "name")) || text(field(c, "job")) || text(field(c, "model")),
      })),
    };
  });
  // Runs are named by their job (the run's RUN_OF neighbour), not by their UUID: one page of
  // neighbours per run in the window, at most 40.
  const runIds = (r.data?.changes ?? []).filter((c) => c.id.startsWith("run:") && !c.name).map((c) => c.id);
  const jobs = useApi(`up-jobs:${id}:${runIds.slice(0, 40).join(",")}`, async (signal) => {
    const out = new Map<string, string>();
    await Promise.all(runIds.slice(0, 40).map(async (run) => {
      const body = await apiGet("/api/v1/explorer/neighbours/{node_id}", { path: { node_id: run }, query: { direction: "down", limit: 50 }, signal });
      const job = arr(field(body, "items")).find((i) => str(field(i, "edge")) === "RUN_OF");
      if (job) out.set(run, str(field(job, "name")));
    }));
    return out;
  });
  const d = r.data;
  return (
    <>
      <h1>Upstream of {d ? <NodeLink id={d.root.id} name={d.root.name} kind={d.root.kind} /> : <code>{id}</code>}</h1>
      <p><Link to={pageUrl("blast-radius", id)}>Blast radius</Link></p>
      <Status loading={r.loading} error={r.error}>
        {d ? (
          <>
            <Section title={`Recent changes (${d.changes.length}, last 30 days, newest first)`} id="changes">
              <ol className="timeline">
                {d.changes.map((c) => (
                  <li key={c.at + c.id}>
                    <time dateTime={c.at} title={c.at}>{ago(c.at)}</time> <span className="kind">{c.kind}</span>{" "}
                    {jobs.data?.get(c.id) ? (
                      <><NodeLink id={c.id} name={`${jobs.data.get(c.id) ?? ""} run`} /> <span>— {c.summary}</span></>
                    ) : (
                      <><NodeLink id={c.id} name={c.name || c.summary || c.id} /> {c.name ? <span>— {c.summary}</span> : null}</>
                    )}
                  </li>
                ))}
                {d.changes.length === 0 ? <li>No changes in the window.</li> : null}
              </ol>
            </Section>
            <Section title={`Upstream (${d.upstream.length})`} id="upstream">
              <CountTable caption="Upstream per kind" rows={countBy(d.upstream, (u) => u.kind)} />
              <table>
                <caption>Upstream artifacts, nearest first</caption>
                <thead><tr><th scope="col">Hops</th><th scope="col">Artifact</th></tr></thead>
                <tbody>
                  {[...d.upstream].sort((a, b) => a.distance - b.distance).slice(0, 500).map((u) => (
                    <tr key={u.id}><td>{u.distance}</td><td><NodeLink id={u.id} name={u.name} kind={u.kind} /></td></tr>
                  ))}
                </tbody>
              </table>
            </Section>
          </>
        ) : null}
      </Status>
    </>
  );
}
