import { useCallback, useMemo, useState, type ReactNode } from "react";
import { apiGet } from "../../api/client";
import { arr, blastRadius, countBy, field, nodeRef, type BlastRadius, type NodeRef } from "../../api/model";
import { CopyButton, CountTable, DownloadButton, NodeLink, Section, Status } from "../../components";
import { LineageGraph } from "../../graph/LineageGraph";
import { collapse, pathEdges, pathTo, treeFrom, type ExtraEdge, type TreeNode } from "../../lib/graph";
import { Link, nodeUrl, pageUrl, setQuery } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import { FreshnessTable, useOverview } from "../freshness";
import { SuspectSection } from "../incidents/SuspectSection";
import { pagingCsv, pagingText } from "./paging";

const DEPTHS = ["1", "2", "3", "5", "all"];
const CAP = 25;

export function BlastPage({ id, query }: { id: string; query: URLSearchParams }) {
  const depth = query.get("depth") ?? "all";
  const selected = query.get("sel");
  const maxDepth = depth === "all" ? undefined : Number(depth);
  const result = useApi(`blast:${id}:${depth}`, async (signal) =>
    blastRadius(await apiGet("/api/v1/blast-radius/{node_id}", { path: { node_id: id }, query: { max_depth: maxDepth, limit: 1_000_000 }, signal })),
  );
  const b = result.data;
  return (
    <>
      <h1>
        Blast radius of {b ? <NodeLink id={b.root.id} name={b.root.name} kind={b.root.kind} /> : <code>{id}</code>}
      </h1>
      <div className="toolbar">
        <label>
          Depth{" "}
          <select value={depth} onChange={(e) => setQuery({ depth: e.target.value === "all" ? null : e.target.value })}>
            {DEPTHS.map((d) => <option key={d} value={d}>{d === "all" ? "all hops" : `${d} hop(s)`}</option>)}
          </select>
        </label>
        <Link to={pageUrl("upstream", id)}>Upstream (root cause)</Link>
      </div>
      <Status loading={result.loading} error={result.error}>
        {b ? <Loaded b={b} selected={selected} depth={maxDepth ?? null} /> : null}
      </Status>
    </>
  );
}

/** Asked for only once the blast radius is in: on a busy server it must not delay the paging list. */
function Freshness() {
  const overview = useOverview();
  return (
    <Section title="Freshness" id="freshness">
      <Status loading={overview.loading} error={overview.error}>
        {overview.data ? <FreshnessTable sources={overview.data.sources} /> : null}
      </Status>
    </Section>
  );
}

function Loaded({ b, selected, depth }: { b: BlastRadius; selected: string | null; depth: number | null }) {
  // The root itself may be listed at distance 0 (newer servers); it is not "impacted" by itself.
  const impacted = b.impacted.filter((i) => i.id !== b.root.id);
  const deployments = impacted.filter((i) => i.kind === "Deployment").length;
  const names = useMemo(() => new Map(b.impacted.map((i) => [i.id, i.name])), [b]);
  return (
    <>
      <p className={`completeness ${b.truncated ? "truncated" : "complete"}`} data-testid="completeness">
        {b.truncated ? "Truncated" : "Complete"}: {impacted.length} impacted artifact(s), {deployments} deployment(s),{" "}
        {b.unowned.length} without an active owner{b.truncated ? " — the depth or size cap cut the walk; raise the depth for the rest." : "."}
      </p>
      <SuspectSection raw={b.extra} />
      <Section title={`Who to page (${b.page.length})`} id="paging"
        actions={<>
          <CopyButton label="Copy for chat" text={() => pagingText(b, window.location.href)} />
          <DownloadButton label="CSV" filename="paging-list.csv" type="text/csv" content={() => pagingCsv(b)} />
          <DownloadButton label="JSON" filename="blast-radius.json" type="application/json" content={() => JSON.stringify(b.extra, null, 1)} />
        </>}>
        {b.page.length === 0 ? <p>Nobody to page: no impacted artifact has an active owner or steward.</p> : null}
        <ol className="paging" data-testid="paging-list">
          {b.page.map((p) => (
            <li key={p.id} data-person={p.id}>
              <div className="who">
                <Link to={pageUrl("people", p.id)} className="person">{p.name}</Link> <code>{p.id}</code>
                {p.onCall.length ? <strong className="oncall" data-testid="on-call"> · on call for {p.onCall.join(", ")}</strong> : null}
                {p.roles.length ? <span className="roles"> · {p.roles.join(", ")}</span> : null}
                {p.contact ? <span className="contact"> · contact: {p.contact}</span> : null}
                {p.teams.length || p.via.length ? <span className="teams"> · teams: {[...p.teams, ...p.via].join(", ")}</span> : null}
              </div>
              <div className="why">
                {p.deployments.length ? `${p.deployments.length} deployment(s): ` : ""}{p.deployments.slice(0, 6).map((d) => <span key={d}><NodeLink id={d} name={names.get(d) ?? d} /> </span>)}
                {p.deployments.length > 6 ? `and ${p.deployments.length - 6} more` : null}
                <LazyDetails summary={`${p.artifacts.length} artifact(s) that make them responsible`}>
                  {() => <ul>{p.artifacts.map((a) => <li key={a}><NodeLink id={a} name={names.get(a) ?? a} /></li>)}</ul>}
                </LazyDetails>
                {p.runbooks.length ? (
                  <div className="runbooks">Runbooks: {p.runbooks.map((r) => <RunbookLink key={r} href={r} />)}</div>
                ) : null}
              </div>
            </li>
          ))}
        </ol>
      </Section>
      <Section title="Counts" id="counts">
        <div className="two">
          <CountTable caption="Impacted per hop" rows={countBy(impacted, (i) => i.distance)} />
          <CountTable caption="Impacted per kind" rows={countBy(impacted, (i) => i.kind)} />
        </div>
      </Section>
      <Section title={`No active owner (${b.unowned.length})`} id="unowned">
        <Capped items={b.unowned} render={(u) => <NodeLink id={u} name={names.get(u) ?? u} />} />
        {b.unresolved.length ? (
          <>
            <h3>Unresolved owners ({b.unresolved.length})</h3>
            <ul className="plain">{b.unresolved.map((u) => <li key={u.artifact + u.owner}><NodeLink id={u.artifact} /> — owner <code>{u.owner}</code> matches nobody</li>)}</ul>
          </>
        ) : null}
        {b.members.length ? (
          <>
            <h3>Members of {b.root.name} ({b.members.length})</h3>
            <ul className="plain columns">{b.members.map((m) => <li key={m.id}><NodeLink id={m.id} name={m.name} kind={m.kind} /></li>)}</ul>
          </>
        ) : null}
      </Section>
      <GraphSection b={b} selected={selected} depth={depth} />
      <Freshness />
    </>
  );
}

/** A disclosure whose content is only rendered once opened (thousands of links stay out of the DOM). */
function LazyDetails({ summary, children }: { summary: string; children: () => ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <details onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{summary}</summary>
      {open ? children() : null}
    </details>
  );
}

/** A long list shows its first items and a button for the rest (a 5,000-node closure stays readable). */
function Capped({ items, render, first = 40 }: { items: string[]; render: (id: string) => ReactNode; first?: number }) {
  const [all, setAll] = useState(false);
  const shown = all ? items : items.slice(0, first);
  return (
    <>
      <ul className="plain columns">{shown.map((u) => <li key={u}>{render(u)}</li>)}</ul>
      {items.length > shown.length ? (
        <button type="button" onClick={() => setAll(true)}>Show all {items.length}</button>
      ) : null}
    </>
  );
}

function RunbookLink({ href }: { href: string }) {
  const safe = /^https?:\/\//i.test(href);
  return safe ? <a href={href} rel="noreferrer noopener" target="_blank">{href} </a> : <code>{href} </code>;
}

interface Expansion {
  nodes: TreeNode[];
  edges: ExtraEdge[];
  pinned: string[];
}

function GraphSection({ b, selected, depth }: { b: BlastRadius; selected: string | null; depth: number | null }) {
  const unowned = useMemo(() => new Set(b.unowned), [b]);
  const base = useMemo(() => treeFrom(b.root, b.impacted, unowned), [b, unowned]);
  const [more, setMore] = useState<Record<number, number>>({});
  const [exp, setExp] = useState<Expansion>({ nodes: [], edges: [], pinned: [] });
  const [expanding, setExpanding] = useState<string>("");
  const nodes = useMemo(() => [...base, ...exp.nodes], [base, exp]);
  const parents = useMemo(() => new Map(base.map((n) => [n.id, n.parent])), [base]);
  const path = useMemo(() => (selected ? pathTo(selected, parents) : []), [selected, parents]);
  const pinned = useMemo(() => new Set([...path, ...exp.pinned, ...exp.nodes.map((n) => n.id)]), [path, exp]);
  const view = useMemo(() => collapse(nodes, exp.edges, { depth: null, cap: CAP, more, pinned }), [nodes, exp, more, pinned]);
  const byId = useMemo(() => new Map(b.impacted.map((i) => [i.id, i])), [b]);
  const onSelect = useCallback((nid: string) => setQuery({ sel: nid }), []);
  const onShowMore = useCallback((d: number) => setMore((m) => ({ ...m, [d]: (m[d] ?? 0) + CAP })), []);
  const onLaidOut = useCallback(() => performance.mark("steward:graph-laid-out"), []);
  const sel = selected ? byId.get(selected) ?? null : null;
  const selNode = selected ? nodes.find((n) => n.id === selected) ?? null : null;

  const expand = async (nid: string) => {
    setExpanding(nid);
    try {
      const known = new Set(nodes.map((n) => n.id));
      const add: TreeNode[] = [];
      const edges: ExtraEdge[] = [];
      const pin: string[] = [nid];
      const at = nodes.find((n) => n.id === nid)?.distance ?? 0;
      for (const direction of ["down", "up"] as const) {
        const body = await apiGet("/api/v1/explorer/neighbours/{node_id}", { path: { node_id: nid }, query: { direction, limit: 50 } });
        for (const item of arr(field(body, "items"))) {
          const ref: NodeRef = nodeRef(item);
          const other = ref.id;
          if (direction === "down") edges.push({ source: nid, target: other });
          else edges.push({ source: other, target: nid });
          if (known.has(other)) pin.push(other);
          else if (!add.some((n) => n.id === other)) {
            add.push({ ...ref, distance: direction === "down" ? at + 1 : Math.max(0, at - 1), parent: null,
              unowned: arr(field(item, "active_owners")).length === 0 });
          }
        }
      }
      setExp((e) => ({ nodes: [...e.nodes, ...add], edges: [...e.edges, ...edges], pinned: [...e.pinned, ...pin] }));
    } finally {
      setExpanding("");
    }
  };

  const hidden = [...view.hiddenByLevel.values()].reduce((a, c) => a + c, 0);
  return (
    <Section title="Lineage" id="graph">
      <p className="legend">
        Layered left to right from the root; at most {CAP} nodes per hop, the rest collapsed by kind
        {hidden ? ` (${hidden} collapsed; click a group to show more)` : ""}. A red <span className="unowned-mark">!</span> marks an artifact without an active owner.
        {depth !== null ? ` Depth limited to ${depth} hop(s).` : ""}
      </p>
      <div className="graph-wrap">
        <LineageGraph view={view} selected={selected} path={new Set(path)} pathEdges={pathEdges(path)}
          onSelect={onSelect} onShowMore={onShowMore} onLaidOut={onLaidOut} />
        <aside className="side" aria-label="Selected node" data-testid="side-panel">
          {selNode ? (
            <>
              <h3><NodeLink id={selNode.id} name={selNode.name} kind={selNode.kind} /></h3>
              {path.length ? (
                <>
                  <h4>Why it is downstream</h4>
                  <ol className="path" data-testid="path">{path.map((p) => <li key={p}>{byId.get(p)?.name ?? (p === b.root.id ? b.root.name : p)}</li>)}</ol>
                </>
              ) : null}
              <h4>Owners</h4>
              {sel && sel.owners.length ? (
                <ul className="plain owners">
                  {sel.owners.map((o) => (
                    <li key={o.id + o.role + o.source}>
                      <Link to={nodeUrl(o.id)}>{o.name}</Link> · {o.role} · {o.active ? "active" : <strong className="bad">not active</strong>}
                      {o.source ? ` · from ${o.source}` : ""}{o.effective === false ? " · overridden" : ""}
                    </li>
                  ))}
                </ul>
              ) : <p className="bad">No owner claims.</p>}
              <button type="button" onClick={() => void expand(selNode.id)} disabled={expanding !== ""}>
                {expanding ? "Expanding…" : "Expand up- and downstream"}
              </button>{" "}
              <Link to={pageUrl("blast-radius", selNode.id)}>Its own blast radius</Link>
            </>
          ) : <p>Select a node to see its owners, why it is downstream, and to expand it.</p>}
        </aside>
      </div>
    </Section>
  );
}

