import { useState, type ReactNode } from "react";
import { kindStyle } from "./graph/kinds";
import { copyText, download } from "./lib/csv";
import { Link, nodeUrl } from "./lib/router";

export function KindBadge({ kind }: { kind: string }) {
  const s = kindStyle(kind);
  return (
    <span className="kind-badge" style={{ borderColor: s.color, color: s.color }}>
      <span aria-hidden="true">{s.icon} </span>
      {kind || "?"}
    </span>
  );
}

export function NodeLink({ id, name, kind }: { id: string; name?: string; kind?: string }) {
  return (
    <span className="node-link">
      {kind ? <KindBadge kind={kind} /> : null} <Link to={nodeUrl(id)}>{name || id}</Link>
    </span>
  );
}

export function Status({ loading, error, children }: { loading: boolean; error: string | null; children?: ReactNode }) {
  if (error) return <p role="alert" className="error">Error: {error}</p>;
  if (loading) return <p role="status" className="loading">Loading…</p>;
  return <>{children}</>;
}

export function CopyButton({ label, text }: { label: string; text: () => string }) {
  const [done, setDone] = useState<string>("");
  return (
    <>
      <button type="button" onClick={() => void copyText(text()).then((ok) => setDone(ok ? "Copied" : "Copy failed"))}>
        {label}
      </button>
      <span role="status" className="copied">{done}</span>
    </>
  );
}

export function DownloadButton({ label, filename, type, content }: { label: string; filename: string; type: string; content: () => string }) {
  return (
    <button type="button" onClick={() => download(filename, content(), type)}>
      {label}
    </button>
  );
}

export function Section({ title, id, children, actions }: { title: string; id: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section aria-labelledby={`${id}-h`} id={id} className="card">
      <div className="card-head">
        <h2 id={`${id}-h`}>{title}</h2>
        {actions ? <div className="actions">{actions}</div> : null}
      </div>
      {children}
    </section>
  );
}

export function CountTable({ caption, rows }: { caption: string; rows: [string, number][] }) {
  return (
    <table className="counts">
      <caption>{caption}</caption>
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ago(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, (Date.now() - t) / 1000);
  if (s < 90) return `${Math.round(s)} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}
