import { useState } from "react";
import { apiGet } from "../../api/client";
import { arr, field, isObj, nodeRef, owner, str, strs, text } from "../../api/model";
import { KindBadge, NodeLink, Section, Status } from "../../components";
import { Link, pageUrl } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import { OwnershipForm } from "../changes/OwnershipForm";
import { AsOfControl } from "../history/AsOfControl";
import { HistorySection } from "../history/HistorySection";
import { ArtifactIncidents, OpenIncident, SuspectBanner, suspectMarks } from "../incidents/ArtifactIncidents";
import { ReviewsSection } from "../reviews/ReviewsSection";

const LINEAGE = new Set(["CONSUMED_BY", "PRODUCED", "BUILT", "RUN_OF", "VERSION_OF", "DEPLOYED_TO", "IN_REPO"]);

export function NodePage({ id, query }: { id: string; query?: URLSearchParams }) {
  const asOf = query?.get("as_of") || null;
  const [version, setVersion] = useState(0);
  const r = useApi(`node:${id}:${asOf ?? ""}:${version}`, async (signal) => {
    const node = await apiGet("/api/v1/nodes/{node_id}", { path: { node_id: id }, query: { as_of: asOf ?? undefined }, signal });
    // Claims as the analyses decide them (effective or overridden, inherited); people and teams own
    // nothing, so only artifacts ask. (As of a past moment, the claims are the node's OWNS edges then.)
    const kind = str(field(node, "kind"));
    const claims = kind === "Person" || kind === "Team" || asOf ? null
      : await apiGet("/api/v1/explorer/owners/{node_id}", { path: { node_id: str(field(node, "id"), id) }, signal });
    return {
      node, owners: arr(field(claims, "owners")).map(owner),
      activeOwners: strs(field(claims, "active_owners")), activeStewards: strs(field(claims, "active_stewards")),
    };
  });
  const n = r.data?.node;
  const ref = nodeRef(n);
  const props = isObj(field(n, "props")) ? (field(n, "props") as Record<string, unknown>) : {};
  const edges = arr(field(n, "edges")).map((e) => ({
    src: str(field(e, "src")), kind: str(field(e, "kind")), dst: str(field(e, "dst")), source: str(field(e, "source")),
    role: text(field(field(e, "props"), "role")),
  }));
  const claims = edges.filter((e) => e.kind === "OWNS" && e.dst === ref.id);
  return (
    <>
      <h1>{n ? <><KindBadge kind={ref.kind} /> {ref.name}</> : <code>{id}</code>}</h1>
      <AsOfControl key={asOf ?? ""} asOf={asOf} />
      {asOf ? <p role="note" className="as-of-note" data-testid="as-of-note">As the graph was at <code>{str(field(n, "as_of"), asOf)}</code>.</p> : null}
      <Status loading={r.loading} error={r.error}>
        {n ? (
          <>
            <p><code>{ref.id}</code> · <Link to={pageUrl("blast-radius", ref.id)}>Blast radius</Link> · <Link to={pageUrl("upstream", ref.id)}>Upstream</Link> · <a href="#history">History</a></p>
            <SuspectBanner marks={suspectMarks(n)} />
            {field(n, "incidents") !== undefined ? <OpenIncident artifact={ref.id} /> : null}
            <Section title="Owners and stewards" id="owners">
              {asOf ? <p>Ownership claims at that moment (who was active then: the blast radius or audit as of it).</p> : null}
              {r.data && !asOf ? (
                <p data-testid="active-owners">
                  {r.data.activeOwners.length ? <>Active owners: {r.data.activeOwners.map((p) => <span key={p}><NodeLink id={p} /> </span>)}</>
                    : <strong className="bad">No active owner.</strong>}{" "}
                  {r.data.activeStewards.length ? <>Active stewards: {r.data.activeStewards.map((p) => <span key={p}><NodeLink id={p} /> </span>)}</>
                    : <span className="bad">No active steward.</span>}
                </p>
              ) : null}
              {r.data && r.data.owners.length ? (
                <table data-testid="claims">
                  <caption>Every claim with its source; effective ones decide</caption>
                  <thead><tr><th scope="col">Who</th><th scope="col">Role</th><th scope="col">Source</th><th scope="col">Status</th></tr></thead>
                  <tbody>
                    {r.data.owners.map((o) => (
                      <tr key={o.id + o.role + o.source}>
                        <td><NodeLink id={o.id} name={o.name} /></td><td>{o.role}</td><td>{o.source}{o.origin && o.origin !== o.source ? ` (${o.origin})` : ""}{o.inherited ? `, inherited from ${o.inherited}` : ""}</td>
                        <td>{o.effective === false ? "overridden" : "effective"} · {o.active ? "active" : <strong className="bad">not active</strong>}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : claims.length ? (
                <ul>{claims.map((c) => <li key={c.src + c.source + c.role}><NodeLink id={c.src} /> · {c.role || "owner"} · from {c.source}</li>)}</ul>
              ) : <p className="bad">No owner claims.</p>}
            </Section>
            {field(n, "incidents") !== undefined ? <ArtifactIncidents node={n} /> : null}
            {ref.kind !== "Person" && ref.kind !== "Team" ? <ReviewsSection id={ref.id} /> : null}
            <Section title="Properties and links" id="props">
              <dl className="props">
                {Object.entries(props).map(([k, v]) => (
                  <div key={k}><dt>{k}</dt><dd>{typeof v === "string" && /^https?:\/\//i.test(v) ? <a href={v} rel="noreferrer noopener" target="_blank">{v}</a> : text(v)}</dd></div>
                ))}
                <div><dt>sources</dt><dd>{text(field(n, "sources"))}</dd></div>
                <div><dt>seen</dt><dd>{str(field(n, "seen_at"))}</dd></div>
              </dl>
            </Section>
            <Section title="Relationships" id="edges">
              <table>
                <caption>Lineage, containers and members</caption>
                <thead><tr><th scope="col">From</th><th scope="col">Relationship</th><th scope="col">To</th><th scope="col">Source</th></tr></thead>
                <tbody>
                  {edges.filter((e) => LINEAGE.has(e.kind) || e.kind !== "OWNS").map((e) => (
                    <tr key={e.src + e.kind + e.dst + e.source}>
                      <td>{e.src === ref.id ? "this" : <NodeLink id={e.src} />}</td><td>{e.kind}</td>
                      <td>{e.dst === ref.id ? "this" : <NodeLink id={e.dst} />}</td><td>{e.source}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Section>
          </>
        ) : null}
      </Status>
      {/* outside Status: the form (and what it answered) stays while the page reloads the claims it changed */}
      {!id.startsWith("person:") && !id.startsWith("team:") && !asOf ? (
        <Section title="Change owners" id="change-owners">
          <OwnershipForm id={id} onApplied={() => setVersion((v) => v + 1)} />
        </Section>
      ) : null}
      <HistorySection id={id} />
    </>
  );
}
