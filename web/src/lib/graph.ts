// The drill-down graph's model: the blast radius's shortest-path tree, capped per level (hop) so a
// closure of thousands never reaches the renderer whole. What a level does not show is collapsed
// into one "N more <Kind>" node per kind; pinned nodes (the selected node's path, expanded nodes)
// are always shown. Pure functions: unit-tested with vitest, used by the page and the benchmark.

export interface TreeNode {
  id: string;
  kind: string;
  name: string;
  distance: number;
  parent: string | null;
  unowned: boolean;
}

export interface ExtraEdge {
  source: string;
  target: string;
}

export type Item =
  | { type: "node"; id: string; node: TreeNode }
  | { type: "group"; id: string; distance: number; kind: string; count: number };

export interface View {
  items: Item[];
  edges: { id: string; source: string; target: string }[];
  hiddenByLevel: Map<number, number>;
  total: number;
}

export interface ViewOptions {
  depth: number | null; // levels beyond this are left out (null: all)
  cap: number; // nodes shown per level before collapsing
  more: Record<number, number>; // extra nodes shown at a level ("show N more" clicks)
  pinned: ReadonlySet<string>;
}

/** Tree nodes from the impacted list: each node's parent is the one before it on its path. */
export function treeFrom(
  root: { id: string; kind: string; name: string },
  impacted: { id: string; kind: string; name: string; distance: number; path: string[] }[],
  unowned: ReadonlySet<string>,
): TreeNode[] {
  const out: TreeNode[] = [];
  const seen = new Set<string>();
  const add = (n: TreeNode) => {
    if (!seen.has(n.id)) {
      seen.add(n.id);
      out.push(n);
    }
  };
  add({ ...pick(root), distance: 0, parent: null, unowned: unowned.has(root.id) });
  for (const i of impacted) {
    const parent = i.path.length >= 2 ? (i.path[i.path.length - 2] ?? null) : i.id === root.id ? null : root.id;
    add({ ...pick(i), distance: i.distance, parent: i.id === root.id ? null : parent, unowned: unowned.has(i.id) });
  }
  return out;
}

const pick = (n: { id: string; kind: string; name: string }) => ({ id: n.id, kind: n.kind, name: n.name });

/** The ids from the root down to ``id`` along the tree's parents (root first); [] when unknown. */
export function pathTo(id: string, parents: ReadonlyMap<string, string | null>): string[] {
  const path: string[] = [];
  const guard = new Set<string>();
  let cur: string | null | undefined = id;
  while (cur !== null && cur !== undefined) {
    if (guard.has(cur) || !parents.has(cur)) return guard.size === 0 ? [] : path.reverse();
    guard.add(cur);
    path.push(cur);
    cur = parents.get(cur);
  }
  return path.reverse();
}

/** The edge ids to highlight for a path (consecutive pairs). */
export function pathEdges(path: string[]): Set<string> {
  const out = new Set<string>();
  for (let i = 1; i < path.length; i++) out.add(edgeId(path[i - 1] ?? "", path[i] ?? ""));
  return out;
}

export const edgeId = (source: string, target: string): string => `${source}->${target}`;
export const groupId = (distance: number, kind: string): string => `group:${distance}:${kind}`;

const KIND_ORDER = ["Deployment", "ModelVersion", "Model", "Evaluation", "Dataset", "Job", "Run", "Repo", "Commit"];
const kindRank = (k: string) => {
  const i = KIND_ORDER.indexOf(k);
  return i < 0 ? KIND_ORDER.length : i;
};

/** What to draw: per level the pinned nodes, then the rest by kind (deployments first), unowned
 * first within a kind, then name — up to the cap (+ "more"); the remainder as one group per kind. */
export function collapse(nodes: TreeNode[], extraEdges: ExtraEdge[], opts: ViewOptions): View {
  const levels = new Map<number, TreeNode[]>();
  for (const n of nodes) {
    if (opts.depth !== null && n.distance > opts.depth && !opts.pinned.has(n.id)) continue;
    const list = levels.get(n.distance) ?? [];
    list.push(n);
    levels.set(n.distance, list);
  }
  const shown = new Set<string>();
  const rep = new Map<string, string>(); // node id -> the item that stands for it
  const items: Item[] = [];
  const hiddenByLevel = new Map<number, number>();
  for (const [distance, list] of [...levels.entries()].sort((a, b) => a[0] - b[0])) {
    list.sort(
      (a, b) =>
        Number(opts.pinned.has(b.id)) - Number(opts.pinned.has(a.id)) ||
        kindRank(a.kind) - kindRank(b.kind) ||
        Number(b.unowned) - Number(a.unowned) ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1),
    );
    const limit = opts.cap + (opts.more[distance] ?? 0);
    const groups = new Map<string, number>();
    let hidden = 0;
    list.forEach((n, i) => {
      if (i < limit || opts.pinned.has(n.id) || distance === 0) {
        shown.add(n.id);
        rep.set(n.id, n.id);
        items.push({ type: "node", id: n.id, node: n });
      } else {
        const gid = groupId(distance, n.kind);
        rep.set(n.id, gid);
        groups.set(n.kind, (groups.get(n.kind) ?? 0) + 1);
        hidden++;
      }
    });
    for (const [kind, count] of [...groups.entries()].sort((a, b) => kindRank(a[0]) - kindRank(b[0]))) {
      items.push({ type: "group", id: groupId(distance, kind), distance, kind, count });
    }
    if (hidden) hiddenByLevel.set(distance, hidden);
  }
  const edges = new Map<string, { id: string; source: string; target: string }>();
  const addEdge = (s: string | undefined, t: string | undefined) => {
    if (!s || !t || s === t) return;
    const id = edgeId(s, t);
    if (!edges.has(id)) edges.set(id, { id, source: s, target: t });
  };
  for (const n of nodes) if (n.parent !== null) addEdge(rep.get(n.parent), rep.get(n.id));
  for (const e of extraEdges) addEdge(rep.get(e.source), rep.get(e.target));
  return { items, edges: [...edges.values()], hiddenByLevel, total: nodes.length };
}
