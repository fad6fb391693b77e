import { apiGet } from "../../api/client";
import { arr, field, num, str, strs } from "../../api/model";
import { CountTable, NodeLink, Section, Status } from "../../components";
import { Link, pageUrl } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import { FreshnessTable, useOverview } from "../freshness";
import { SearchBox } from "./SearchBox";

export function HomePage() {
  const overview = useOverview();
  const risks = useApi("home-risks", async (signal) => {
    const [spof, audit] = await Promise.all([apiGet("/api/v1/spof", { signal }), apiGet("/api/v1/audit", { signal })]);
    return {
      bus: arr(field(spof, "bus_factor")).slice(0, 5).map((b) => ({
        person: str(field(b, "person")), name: str(field(b, "name"), str(field(b, "person"))),
        orphaned: strs(field(b, "orphaned")).length, deployments: arr(field(b, "deployments_at_risk")).length || num(field(b, "deployments_at_risk")),
      })),
      errors: arr(field(audit, "findings")).filter((f) => str(field(f, "severity")) === "error").map((f) => ({
        rule: str(field(f, "rule")), artifact: str(field(f, "artifact")), message: str(field(f, "message")),
      })),
    };
  });
  const noOwnerDeployments = risks.data?.errors.filter((e) => e.artifact.startsWith("deployment:") && (e.rule === "no-owner" || e.rule === "inactive-owner")) ?? [];
  return (
    <>
      <h1>Steward explorer</h1>
      <p className="lede">What is downstream, who owns it, and who to page.</p>
      <SearchBox autoFocus />
      <div className="grid">
        <Section title="The graph" id="counts">
          <Status loading={overview.loading} error={overview.error}>
            {overview.data ? (
              <div className="two">
                <CountTable caption="Nodes by kind" rows={overview.data.nodes} />
                <CountTable caption="Edges by kind" rows={overview.data.edges} />
              </div>
            ) : null}
          </Status>
        </Section>
        <Section title="Sources" id="sources">
          <Status loading={overview.loading} error={overview.error}>
            {overview.data ? <FreshnessTable sources={overview.data.sources} /> : null}
          </Status>
        </Section>
        <Section title="Worst risks" id="risks" actions={<><Link to="/spof">All hotspots</Link> <Link to="/audit">Audit</Link></>}>
          <Status loading={risks.loading} error={risks.error}>
            {risks.data ? (
              <>
                <h3>Top bus factors</h3>
                <ol className="plain">
                  {risks.data.bus.map((b) => (
                    <li key={b.person}>
                      <Link to={pageUrl("people", b.person)}>{b.name}</Link>: {b.orphaned} artifact(s) orphaned if they leave, {b.deployments} deployment(s) at risk
                    </li>
                  ))}
                  {risks.data.bus.length === 0 ? <li>None.</li> : null}
                </ol>
                <h3>Deployments without an active owner</h3>
                <ul className="plain">
                  {noOwnerDeployments.map((f) => (
                    <li key={f.rule + f.artifact}><NodeLink id={f.artifact} kind="Deployment" /> — {f.message}</li>
                  ))}
                  {noOwnerDeployments.length === 0 ? <li>None.</li> : null}
                </ul>
                <h3>Error-level audit findings ({risks.data.errors.length})</h3>
                <ul className="plain">
                  {risks.data.errors.slice(0, 8).map((f) => (
                    <li key={f.rule + f.artifact + f.message}><span className="sev error">{f.rule}</span> <NodeLink id={f.artifact} /> — {f.message}</li>
                  ))}
                </ul>
              </>
            ) : null}
          </Status>
        </Section>
      </div>
    </>
  );
}
