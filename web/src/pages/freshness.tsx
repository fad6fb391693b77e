import { apiGet } from "../api/client";
import { arr, field, num, str } from "../api/model";
import { ago } from "../components";
import { useApi } from "../lib/useApi";

export interface SourceFreshness {
  source: string;
  lastSeen: string;
  nodes: number;
  edges: number;
}

export interface Overview {
  nodes: [string, number][];
  edges: [string, number][];
  sources: SourceFreshness[];
}

export function readOverview(x: unknown): Overview {
  const counts = field(x, "counts");
  const pairs = (o: unknown): [string, number][] =>
    Object.entries((typeof o === "object" && o !== null ? o : {}) as Record<string, unknown>).map(([k, v]) => [k, num(v)]);
  return {
    nodes: pairs(field(counts, "nodes")),
    edges: pairs(field(counts, "edges")),
    sources: arr(field(x, "sources")).map((s) => ({
      source: str(field(s, "source")),
      lastSeen: str(field(s, "last_seen")),
      nodes: num(field(s, "nodes")),
      edges: num(field(s, "edges")),
    })),
  };
}

export function useOverview() {
  return useApi("overview", async (signal) => readOverview(await apiGet("/api/v1/explorer/overview", { signal })));
}

export function FreshnessTable({ sources }: { sources: SourceFreshness[] }) {
  if (!sources.length) return <p>No source has written anything yet.</p>;
  return (
    <table className="freshness">
      <caption>Freshness of each source (the last time it said anything)</caption>
      <thead>
        <tr><th scope="col">Source</th><th scope="col">Last seen</th><th scope="col">Nodes</th><th scope="col">Edges</th></tr>
      </thead>
      <tbody>
        {sources.map((s) => (
          <tr key={s.source}>
            <th scope="row">{s.source}</th>
            <td><time dateTime={s.lastSeen} title={s.lastSeen}>{ago(s.lastSeen)}</time></td>
            <td>{s.nodes}</td>
            <td>{s.edges}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
