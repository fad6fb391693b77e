// "Reviews due": what the server's review policy asks for and is overdue, failed, never done, or due soon.
import { apiGet } from "../../api/client";
import { KindBadge, NodeLink, Section, Status } from "../../components";
import { setQuery } from "../../lib/router";
import { useApi } from "../../lib/useApi";
import { dueItems, dueText } from "./model";

export function DuePage({ query }: { query: URLSearchParams }) {
  const raw = Number(query.get("days") ?? "14");
  const days = Number.isFinite(raw) && raw >= 0 ? raw : 14;
  const r = useApi(`due:${days}`, async (signal) => dueItems(await apiGet("/api/v1/reviews/due", { query: { days }, signal })));
  return (
    <>
      <h1>Reviews due</h1>
      <p>
        Reviews the policy asks for (cadences in the server's audit policy) that are overdue, failed, never done, or due within{" "}
        <label>
          <input type="number" min={0} max={3650} value={days} aria-label="days" style={{ width: "5em" }}
            onChange={(e) => setQuery({ days: e.target.value })} />
        </label>{" "}days.
      </p>
      <Status loading={r.loading} error={r.error}>
        {r.data ? (
          <Section title={`${r.data.length} review(s)`} id="due">
            {r.data.length === 0 ? <p>Nothing due.</p> : (
              <table data-testid="reviews-due">
                <caption>Never done and failed first, then by due date</caption>
                <thead><tr><th scope="col">Artifact</th><th scope="col">Review</th><th scope="col">Status</th><th scope="col">When</th><th scope="col">Last review</th></tr></thead>
                <tbody>
                  {r.data.map((d) => (
                    <tr key={d.artifact + d.type} data-status={d.status}>
                      <td><KindBadge kind={d.kind} /> <NodeLink id={d.artifact} name={d.name} /></td>
                      <td>{d.type === "ownership" ? "ownership re-attestation" : d.type}</td>
                      <td className={d.status === "ok" ? "" : "bad"}>{d.status}</td>
                      <td>{dueText(d)}</td>
                      <td>{d.last ? <>{d.last.outcome} on {d.last.reviewedAt.slice(0, 10)} by <NodeLink id={d.last.by} /></> : "none"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Section>
        ) : null}
      </Status>
    </>
  );
}
