// The drill-down graph: items from lib/graph's collapse(), laid out by ELK in a web worker, drawn by
// React Flow (only what is in the viewport is rendered).
import { useEffect, useMemo, useRef, useState } from "react";
import {
  Background,
  Controls,
  Handle,
  Position,
  ReactFlow,
  type Edge,
  type Node,
  type NodeProps,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import type { Item, View } from "../lib/graph";
import { kindStyle } from "./kinds";
import type { LayoutRequest, LayoutResponse } from "./layoutTypes";

const W = 210;
const H = 46;

type ArtifactData = { label: string; kind: string; unowned: boolean; selected: boolean; onPath: boolean; select: () => void };
type GroupData = { label: string; kind: string; count: number; more: () => void };

function ArtifactNode({ data }: NodeProps<Node<ArtifactData>>) {
  const style = kindStyle(data.kind);
  return (
    <div className={`gnode${data.selected ? " selected" : ""}${data.onPath ? " on-path" : ""}`} style={{ borderColor: style.color }}>
      <Handle type="target" position={Position.Left} />
      <button type="button" className="nodrag gnode-button" onClick={data.select}
        aria-label={`${data.kind} ${data.label}${data.unowned ? ", no active owner" : ""}`} aria-pressed={data.selected}>
        <span className="kind-icon" style={{ background: style.color }} aria-hidden="true">{style.icon}</span>
        <span className="gnode-label">{data.label}</span>
        {data.unowned ? <span className="unowned-mark" title="no active owner">!</span> : null}
      </button>
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

function GroupNode({ data }: NodeProps<Node<GroupData>>) {
  const style = kindStyle(data.kind);
  return (
    <div className="gnode group" style={{ borderColor: style.color }}>
      <Handle type="target" position={Position.Left} />
      <button type="button" className="nodrag gnode-button" onClick={data.more}>
        <span className="kind-icon" style={{ background: style.color }} aria-hidden="true">{style.icon}</span>
        <span className="gnode-label">{data.label}</span>
      </button>
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

const nodeTypes = { artifact: ArtifactNode, collapsed: GroupNode };

export interface LineageGraphProps {
  view: View;
  selected: string | null;
  path: ReadonlySet<string>; // node ids on the highlighted path
  pathEdges: ReadonlySet<string>;
  onSelect: (id: string) => void;
  onShowMore: (distance: number) => void;
  onLaidOut?: () => void;
}

export function LineageGraph(props: LineageGraphProps) {
  const { view, selected, path, pathEdges, onSelect, onShowMore, onLaidOut } = props;
  const worker = useRef<Worker | null>(null);
  const seq = useRef(0);
  const [positions, setPositions] = useState<{ key: string; at: Record<string, { x: number; y: number }> } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const w = new Worker(new URL("./layout.worker.ts", import.meta.url), { type: "module" });
    worker.current = w;
    return () => w.terminate();
  }, []);

  const structureKey = useMemo(
    () => view.items.map((i) => i.id).join("|") + "#" + view.edges.map((e) => e.id).join("|"),
    [view],
  );

  useEffect(() => {
    const w = worker.current;
    if (!w) return;
    const mine = ++seq.current;
    const request: LayoutRequest = {
      seq: mine,
      nodes: view.items.map((i) => ({ id: i.id, width: W, height: H })),
      edges: view.edges,
    };
    const onMessage = (e: MessageEvent<LayoutResponse>) => {
      if (e.data.seq !== mine) return;
      if (e.data.error) setError(e.data.error);
      setPositions({ key: structureKey, at: e.data.positions });
    };
    w.addEventListener("message", onMessage);
    w.postMessage(request);
    return () => w.removeEventListener("message", onMessage);
    // structureKey captures everything the layout depends on
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [structureKey]);

  const laidOut = positions !== null && positions.key === structureKey;
  useEffect(() => {
    if (laidOut) onLaidOut?.();
  }, [laidOut, onLaidOut]);

  const nodes: Node[] = useMemo(() => {
    if (!positions) return [];
    return view.items.map((item: Item) => {
      const at = positions.at[item.id] ?? { x: 0, y: 0 };
      if (item.type === "group") {
        return {
          id: item.id, type: "collapsed", position: at, draggable: false,
          data: { label: `${item.count} more ${item.kind} (hop ${item.distance})`, kind: item.kind, count: item.count,
            more: () => onShowMore(item.distance) },
        };
      }
      return {
        id: item.id, type: "artifact", position: at, draggable: false,
        data: { label: item.node.name, kind: item.node.kind, unowned: item.node.unowned, selected: item.id === selected,
          onPath: path.has(item.id), select: () => onSelect(item.id) },
      };
    });
  }, [positions, view, selected, path, onSelect, onShowMore]);

  const edges: Edge[] = useMemo(
    () => view.edges.map((e) => ({
      id: e.id, source: e.source, target: e.target,
      className: pathEdges.has(e.id) ? "on-path" : undefined,
      animated: pathEdges.has(e.id),
    })),
    [view, pathEdges],
  );

  return (
    <div className="graph" data-laid-out={laidOut ? "true" : "false"} data-items={view.items.length}>
      {error ? <p role="alert">Layout failed: {error}</p> : null}
      <ReactFlow nodes={nodes} edges={edges} nodeTypes={nodeTypes} fitView onlyRenderVisibleElements
        nodesConnectable={false} nodesDraggable={false} nodesFocusable={false} edgesFocusable={false} minZoom={0.05} proOptions={{ hideAttribution: true }}
        key={laidOut ? structureKey : "pending"}>
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
