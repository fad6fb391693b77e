import { describe, expect, it } from "vitest";
import { collapse, edgeId, groupId, pathEdges, pathTo, treeFrom, type TreeNode } from "./graph";

const root = { id: "dataset:raw", kind: "Dataset", name: "raw" };

function wide(n: number): TreeNode[] {
  // root -> n jobs at hop 1 (half Dataset, half Job), each with one deployment at hop 2.
  const impacted = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 2 ? "Job" : "Dataset";
    const id = `${kind.toLowerCase()}:n${String(i).padStart(4, "0")}`;
    impacted.push({ id, kind, name: id, distance: 1, path: [root.id, id] });
    const dep = `deployment:d${i}`;
    impacted.push({ id: dep, kind: "Deployment", name: dep, distance: 2, path: [root.id, id, dep] });
  }
  return treeFrom(root, impacted, new Set(["deployment:d3"]));
}

describe("treeFrom", () => {
  it("takes each node's parent from the one before it on its path, and marks the unowned", () => {
    const tree = wide(4);
    const byId = new Map(tree.map((t) => [t.id, t]));
    expect(byId.get(root.id)?.parent).toBeNull();
    expect(byId.get("deployment:d2")?.parent).toBe("dataset:n0002");
    expect(byId.get("deployment:d3")?.unowned).toBe(true);
    expect(byId.get("deployment:d2")?.unowned).toBe(false);
  });

  it("keeps a root listed in impacted at distance 0 once", () => {
    const tree = treeFrom(root, [{ ...root, distance: 0, path: [root.id] }], new Set());
    expect(tree).toHaveLength(1);
  });
});

describe("collapse", () => {
  it("caps each level and groups the rest by kind with their counts", () => {
    const view = collapse(wide(100), [], { depth: null, cap: 10, more: {}, pinned: new Set() });
    const nodes = view.items.filter((i) => i.type === "node");
    const groups = view.items.filter((i) => i.type === "group");
    expect(nodes).toHaveLength(1 + 10 + 10);
    expect(groups.map((g) => g.id).sort()).toEqual(
      [groupId(1, "Dataset"), groupId(1, "Job"), groupId(2, "Deployment")].sort(),
    );
    const hidden = groups.reduce((s, g) => s + (g.type === "group" ? g.count : 0), 0);
    expect(hidden).toBe(200 - 20);
    expect(view.hiddenByLevel.get(1)).toBe(90);
    // every edge connects two drawn items
    const ids = new Set(view.items.map((i) => i.id));
    for (const e of view.edges) expect(ids.has(e.source) && ids.has(e.target)).toBe(true);
  });

  it("shows more at one level when asked, and always shows pinned nodes", () => {
    const view = collapse(wide(100), [], {
      depth: null, cap: 10, more: { 1: 15 }, pinned: new Set(["deployment:d77", "job:n0077"]),
    });
    const at = (d: number) => view.items.filter((i) => i.type === "node" && i.node.distance === d).length;
    expect(at(1)).toBe(25); // cap 10 + 15 more; the pinned node takes one of them (pinned sort first)
    expect(view.items.some((i) => i.id === "job:n0077")).toBe(true);
    expect(view.items.some((i) => i.id === "deployment:d77")).toBe(true);
    expect(view.edges.some((e) => e.id === edgeId("job:n0077", "deployment:d77"))).toBe(true);
  });

  it("leaves out levels beyond the depth", () => {
    const view = collapse(wide(5), [], { depth: 1, cap: 50, more: {}, pinned: new Set() });
    expect(view.items.some((i) => i.type === "node" && i.node.distance === 2)).toBe(false);
  });

  it("keeps 5,000 nodes down to a drawable few", () => {
    const view = collapse(wide(2500), [], { depth: null, cap: 25, more: {}, pinned: new Set() });
    expect(view.total).toBe(5001);
    expect(view.items.length).toBeLessThan(60);
  });

  it("puts unowned nodes first within a kind", () => {
    const view = collapse(wide(10), [], { depth: null, cap: 1, more: {}, pinned: new Set() });
    const shown = view.items.filter((i) => i.type === "node" && i.node.distance === 2);
    expect(shown.map((i) => i.id)).toEqual(["deployment:d3"]);
  });
});

describe("path highlight", () => {
  it("walks parents from a node back to the root", () => {
    const tree = wide(3);
    const parents = new Map(tree.map((t) => [t.id, t.parent]));
    const path = pathTo("deployment:d1", parents);
    expect(path).toEqual([root.id, "job:n0001", "deployment:d1"]);
    expect([...pathEdges(path)]).toEqual([edgeId(root.id, "job:n0001"), edgeId("job:n0001", "deployment:d1")]);
    expect(pathTo("nowhere", parents)).toEqual([]);
  });
});
