import { apiGet } from "../../api/client";
import { arr, field, nodeRef, num, str, strs } from "../../api/model";
import { NodeLink, Section, Status } from "../../components";
import { Link, pageUrl } from "../../lib/router";
import { useApi } from "../../lib/useApi";

const count = (x: unknown) => (Array.isArray(x) ? x.length : num(x));

export function SpofPage() {
  const r = useApi("spof", async (signal) => {
    const body = await apiGet("/api/v1/spof", { signal });
    return {
      bus: arr(field(body, "bus_factor")).map((b) => ({
        person: str(field(b, "person")), name: str(field(b, "name"), str(field(b, "person"))),
        orphaned: strs(field(b, "orphaned")), deployments: count(field(b, "deployments_at_risk")),
      })),
      sole: arr(field(body, "sole_owner")).map((s) => ({ ...nodeRef(s), owner: str(field(s, "owner")), deployments: count(field(s, "deployments_at_risk")) }))
        .sort((a, b) => b.deployments - a.deployments || (a.id < b.id ? -1 : 1)),
      choke: arr(field(body, "chokepoints")).map((c) => ({ ...nodeRef(c), deployments: strs(field(c, "deployments")), dominates: strs(field(c, "dominates")) })),
    };
  });
  const max = Math.max(1, ...(r.data?.bus.map((b) => b.orphaned.length) ?? [1]));
  return (
    <>
      <h1>Single points of failure</h1>
      <Status loading={r.loading} error={r.error}>
        {r.data ? (
          <>
            <Section title="Bus factor per person" id="bus">
              <ul className="bars" data-testid="bus-factor">
                {r.data.bus.map((b) => (
                  <li key={b.person}>
                    <Link to={pageUrl("people", b.person)} className="bar-label">{b.name}</Link>
                    <span className="bar" style={{ width: `${(100 * b.orphaned.length) / max}%` }} aria-hidden="true" />
                    <span className="bar-value">{b.orphaned.length} orphaned, {b.deployments} deployment(s) at risk</span>
                  </li>
                ))}
              </ul>
            </Section>
            <Section title={`Sole-owned artifacts (${r.data.sole.length}), by deployments at risk`} id="sole">
              <table>
                <caption>Artifacts with exactly one active owner</caption>
                <thead><tr><th scope="col">Artifact</th><th scope="col">Sole owner</th><th scope="col">Deployments at risk</th></tr></thead>
                <tbody>
                  {r.data.sole.map((s) => (
                    <tr key={s.id}><td><NodeLink id={s.id} name={s.name} kind={s.kind} /></td><td><NodeLink id={s.owner} /></td><td>{s.deployments}</td></tr>
                  ))}
                </tbody>
              </table>
            </Section>
            <Section title={`Chokepoints (${r.data.choke.length})`} id="chokepoints">
              <ul className="plain">
                {r.data.choke.map((c) => (
                  <li key={c.id}>
                    <NodeLink id={c.id} name={c.name} kind={c.kind} />: every path to {c.deployments.length} deployment(s) goes through it; dominates {c.dominates.length} artifact(s)
                    <details><summary>What it dominates</summary><ul>{c.dominates.map((d) => <li key={d}><NodeLink id={d} /></li>)}</ul></details>
                  </li>
                ))}
              </ul>
            </Section>
          </>
        ) : null}
      </Status>
    </>
  );
}
