// Reviews of one artifact on its page: the list (newest first) and a form to record one.
import { useState, type FormEvent } from "react";
import { apiGet } from "../../api/client";
import { NodeLink, Section, Status } from "../../components";
import { useApi } from "../../lib/useApi";
import { postJson, reviews } from "./model";

const TYPES = ["drift", "bias", "performance", "ownership", "custom"];
const OUTCOMES = ["pass", "fail", "waived"];

export function ReviewsSection({ id }: { id: string }) {
  const [version, setVersion] = useState(0);
  const r = useApi(`reviews:${id}:${version}`, async (signal) =>
    reviews(await apiGet("/api/v1/reviews", { query: { artifact: id }, signal })));
  const [type, setType] = useState("drift");
  const [by, setBy] = useState("");
  const [outcome, setOutcome] = useState("pass");
  const [notes, setNotes] = useState("");
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setSaid(null);
    postJson("/api/v1/reviews", { artifact: id, type, by, outcome, notes: notes || null }).then(
      () => {
        setSaid({ ok: true, text: `Recorded: ${type} review, ${outcome}.` });
        setNotes("");
        setVersion((v) => v + 1);
        setBusy(false);
      },
      (err: unknown) => {
        setSaid({ ok: false, text: err instanceof Error ? err.message : String(err) });
        setBusy(false);
      },
    );
  };

  return (
    <Section title={`Reviews${r.data ? ` (${r.data.length})` : ""}`} id="reviews">
      <Status loading={r.loading} error={r.error}>
        {r.data && r.data.length ? (
          <table data-testid="reviews">
            <caption>Reviews of this artifact, newest first (an ownership review re-attests its owners)</caption>
            <thead><tr><th scope="col">When</th><th scope="col">Type</th><th scope="col">Outcome</th><th scope="col">By</th><th scope="col">Notes</th></tr></thead>
            <tbody>
              {r.data.map((v) => (
                <tr key={v.id}>
                  <td>{v.reviewedAt.slice(0, 10)}</td><td>{v.type}</td>
                  <td className={v.outcome === "fail" ? "bad" : v.outcome === "pass" ? "good" : ""}>{v.outcome}</td>
                  <td><NodeLink id={v.by} /></td><td>{v.notes}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : r.data ? <p data-testid="no-reviews">No reviews recorded.</p> : null}
      </Status>
      <form className="review-form" onSubmit={submit} aria-label="Record a review">
        <label>Type <select value={type} onChange={(e) => setType(e.target.value)} name="type">
          {TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
        </select></label>{" "}
        <label>Reviewed by <input name="by" value={by} required placeholder="e-mail or alias" onChange={(e) => setBy(e.target.value)} /></label>{" "}
        <label>Outcome <select value={outcome} onChange={(e) => setOutcome(e.target.value)} name="outcome">
          {OUTCOMES.map((o) => <option key={o} value={o}>{o}</option>)}
        </select></label>{" "}
        <label>Notes <input name="notes" value={notes} onChange={(e) => setNotes(e.target.value)} /></label>{" "}
        <button type="submit" disabled={busy}>Record review</button>
        {said ? <p role="status" className={said.ok ? "good" : "bad"} data-testid="review-said">{said.text}</p> : null}
      </form>
    </Section>
  );
}
