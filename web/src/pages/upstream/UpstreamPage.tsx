import { useCallback, useMemo, useState } from "react";
import { apiGet } from "../../api/client";
import { arr, countBy, field, nodeRef, num, str, strs, text, type NodeRef } from "../../api/model";
import { CountTable, NodeLink, Section, Status, ago } from "../../components";
import { LineageGraph } from "../../graph/LineageGraph";
import { collapse, pathEdges, pathTo, treeFrom } from "../../lib/graph";
import { Link, pageUrl, setQuery } from "../../lib/router";
import { useApi } from "../../lib/useApi";

const CAP = 25;

interface Upstream extends NodeRef {
  distance: number;
  path: string[];
}

export function UpstreamPage({ id, query }: { id: string; query?: URLSearchParams }) {
  const selected = query?.get("sel") ?? null;
  const r = useApi(`up:${id}`, async (signal) => {
    const body = await apiGet("/api/v1/upstream/{node_id}", { path: { node_id: id }, query: { days: 30 }, signal });
    return {
      root: nodeRef(field(body, "root")),
      upstream: arr(field(body, "upstream")).map((u): Upstream => ({
        ...nodeRef(u), distance: num(field(u, "distance")), path: strs(field(u, "path")),
      })),
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
            <UpstreamGraph root={d.root} upstream={d.upstream} selected={selected} />
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

/** The upstream lineage as a layered graph from the root (hop 1 = what the root reads directly),
 * capped per hop like the blast radius; selecting a node highlights the path that makes it upstream. */
function UpstreamGraph({ root, upstream, selected }: { root: NodeRef; upstream: Upstream[]; selected: string | null }) {
  const nodes = useMemo(() => treeFrom(root, upstream, new Set<string>()), [root, upstream]);
  const [more, setMore] = useState<Record<number, number>>({});
  const parents = useMemo(() => new Map(nodes.map((n) => [n.id, n.parent])), [nodes]);
  const path = useMemo(() => (selected ? pathTo(selected, parents) : []), [selected, parents]);
  const pinned = useMemo(() => new Set(path), [path]);
  const view = useMemo(() => collapse(nodes, [], { depth: null, cap: CAP, more, pinned }), [nodes, more, pinned]);
  const onSelect = useCallback((nid: string) => setQuery({ sel: nid }), []);
  const onShowMore = useCallback((h: number) => setMore((m) => ({ ...m, [h]: (m[h] ?? 0) + CAP })), []);
  const byId = useMemo(() => new Map(nodes.map((n) => [n.id, n])), [nodes]);
  const hidden = [...view.hiddenByLevel.values()].reduce((a, c) => a + c, 0);
  return (
    <Section title="Upstream graph" id="upstream-graph">
      <p className="legend">
        Layered from the root: hop 1 is what it reads directly, further right is further upstream. At most {CAP} nodes
        per hop{hidden ? `; ${hidden} collapsed by kind (click a group to show more)` : ""}. Containers (jobs, models)
        stand beside the runs and versions they hold.
      </p>
      <div className="graph-wrap">
        <LineageGraph view={view} selected={selected} path={new Set(path)} pathEdges={pathEdges(path)}
          onSelect={onSelect} onShowMore={onShowMore} />
        <aside className="side" aria-label="Selected node" data-testid="upstream-side">
          {selected && byId.get(selected) ? (
            <>
              <h3><NodeLink id={selected} name={byId.get(selected)?.name} kind={byId.get(selected)?.kind} /></h3>
              <h4>Why it is upstream</h4>
              <ol className="path" data-testid="upstream-path">{path.map((p) => <li key={p}>{byId.get(p)?.name ?? p}</li>)}</ol>
            </>
          ) : <p>Select a node to see why it is upstream.</p>}
        </aside>
      </div>
    </Section>
  );
}
