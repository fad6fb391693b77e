import { apiGet } from "../../api/client";
import { arr, field, str, strs } from "../../api/model";
import { DownloadButton, NodeLink, Section, Status } from "../../components";
import { toCsv } from "../../lib/csv";
import { setQuery } from "../../lib/router";
import { useApi } from "../../lib/useApi";

export interface Finding {
  rule: string;
  severity: string;
  artifact: string;
  message: string;
  kind: string;
  owners: string[];
  teams: string[];
}

export const FILTERS = ["rule", "severity", "kind", "owner", "team"] as const;

export function filterFindings(rows: Finding[], q: URLSearchParams): Finding[] {
  const f = Object.fromEntries(FILTERS.map((k) => [k, q.get(k) ?? ""]));
  return rows.filter((r) =>
    (!f.rule || r.rule === f.rule) && (!f.severity || r.severity === f.severity) && (!f.kind || r.kind === f.kind) &&
    (!f.owner || r.owners.includes(f.owner ?? "")) && (!f.team || r.teams.includes(f.team ?? "")));
}

export function AuditPage({ query }: { query: URLSearchParams }) {
  const r = useApi("audit", async (signal) => {
    const body = await apiGet("/api/v1/explorer/audit", { signal });
    return {
      findings: arr(field(body, "findings")).map((x): Finding => ({
        rule: str(field(x, "rule")), severity: str(field(x, "severity")), artifact: str(field(x, "artifact")),
        message: str(field(x, "message")), kind: str(field(x, "kind")), owners: strs(field(x, "owners")), teams: strs(field(x, "teams")),
      })),
      policy: field(body, "policy"),
      audited: field(body, "audited"),
    };
  });
  const all = r.data?.findings ?? [];
  const rows = filterFindings(all, query);
  const options = (pick: (f: Finding) => string[]) => [...new Set(all.flatMap(pick))].filter(Boolean).sort();
  const choices: Record<(typeof FILTERS)[number], string[]> = {
    rule: options((f) => [f.rule]), severity: options((f) => [f.severity]), kind: options((f) => [f.kind]),
    owner: options((f) => f.owners), team: options((f) => f.teams),
  };
  return (
    <>
      <h1>Audit</h1>
      <Status loading={r.loading} error={r.error}>
        <Section title={`Findings (${rows.length} of ${all.length})`} id="findings"
          actions={<DownloadButton label="Export CSV" filename="audit.csv" type="text/csv"
            content={() => toCsv(["severity", "rule", "kind", "artifact", "owners", "teams", "message"],
              rows.map((f) => [f.severity, f.rule, f.kind, f.artifact, f.owners, f.teams, f.message]))} />}>
          <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter findings">
            {FILTERS.map((k) => (
              <label key={k}>
                {k[0]?.toUpperCase() + k.slice(1)}{" "}
                <select name={k} value={query.get(k) ?? ""} onChange={(e) => setQuery({ [k]: e.target.value })}>
                  <option value="">any</option>
                  {choices[k].map((c) => <option key={c} value={c}>{c}</option>)}
                </select>
              </label>
            ))}
          </form>
          <table className="findings" data-testid="findings">
            <caption>Ownership gaps against the policy in force</caption>
            <thead><tr><th scope="col">Severity</th><th scope="col">Rule</th><th scope="col">Artifact</th><th scope="col">Owners</th><th scope="col">Message</th></tr></thead>
            <tbody>
              {rows.map((f) => (
                <tr key={f.rule + f.artifact + f.message} data-rule={f.rule}>
                  <td><span className={`sev ${f.severity}`}>{f.severity}</span></td><td>{f.rule}</td>
                  <td><NodeLink id={f.artifact} kind={f.kind} /></td>
                  <td>{f.owners.map((o) => <span key={o}><NodeLink id={o} /> </span>)}</td><td>{f.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
        <Section title="Policy in force" id="policy">
          <pre className="policy" tabIndex={0}>{JSON.stringify(r.data?.policy ?? null, null, 2)}</pre>
        </Section>
      </Status>
    </>
  );
}
