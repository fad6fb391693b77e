import { useState } from "react";
import { apiGet } from "../../api/client";
import { arr, field, num, str, text } from "../../api/model";
import { NodeLink, Section, Status } from "../../components";
import { useApi } from "../../lib/useApi";
import { describeChange } from "./asOf";

const PAGE = 50;

function what(e: unknown, self: string) {
  const w = str(field(e, "what"));
  if (w === "log") return <>governance log #{str(field(e, "seq"))}</>;
  if (w === "node") return <>this node</>;
  const edge = field(e, "edge");
  const src = str(field(edge, "src"));
  const dst = str(field(edge, "dst"));
  const role = str(field(edge, "role"));
  return (
    <>
      {src === self ? "this" : <NodeLink id={src} />} <code>{str(field(edge, "kind"))}{role ? ` (${role})` : ""}</code>{" "}
      {dst === self ? "this" : <NodeLink id={dst} />}
    </>
  );
}

function by(e: unknown): string {
  if (str(field(e, "what")) === "log") {
    const reason = str(field(e, "reason"));
    return `${str(field(e, "actor"), "?")}${reason ? `: ${reason}` : ""}`;
  }
  const b = field(e, "by");
  const run = field(b, "ingest_run");
  let out = arr(field(b, "sources")).map((s) => str(s)).join(", ");
  if (run) out += ` (ingest run #${str(field(run, "seq"))})`;
  for (const entry of arr(field(b, "log"))) {
    const reason = str(field(entry, "reason"));
    out += `; ${str(field(entry, "actor"), "?")}${reason ? `: ${reason}` : ""}`;
  }
  return out;
}

/** Every change to the node's owners, lineage and properties, newest first, a page at a time. */
export function HistorySection({ id }: { id: string }) {
  const [limit, setLimit] = useState(PAGE);
  const r = useApi(`history:${id}:${limit}`, (signal) =>
    apiGet("/api/v1/nodes/{node_id}/history", { path: { node_id: id }, query: { limit }, signal }));
  const events = arr(field(r.data, "events"));
  const total = num(field(r.data, "total"));
  return (
    <Section title="History" id="history">
      <Status loading={r.loading && !r.data} error={r.error}>
        <p>Kept since {str(field(r.data, "history_since"), "—")}. {total} change{total === 1 ? "" : "s"}, newest first.</p>
        <table data-testid="history">
          <caption>Who changed what, when, and why</caption>
          <thead><tr><th scope="col">When</th><th scope="col">Change</th><th scope="col">What</th><th scope="col">Detail</th><th scope="col">Valid</th><th scope="col">By</th></tr></thead>
          <tbody>
            {events.map((e, i) => {
              const change = str(field(e, "change"));
              const isLog = str(field(e, "what")) === "log";
              const detail = isLog || change === "changed" ? describeChange(field(e, "before"), field(e, "after"))
                : text(field(field(e, "after") ?? field(e, "before"), "props"));
              return (
                <tr key={`${str(field(e, "at"))}-${String(i)}`}>
                  <td><code>{str(field(e, "at"))}</code></td><td>{change}</td><td>{what(e, id)}</td><td>{detail}</td>
                  <td>{isLog ? "" : `${str(field(e, "valid_from"))} – ${str(field(e, "valid_to"), "now")}`}</td><td>{by(e)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {events.length < total ? <button type="button" onClick={() => setLimit((n) => n + PAGE)}>Show older changes</button> : null}
      </Status>
    </Section>
  );
}
