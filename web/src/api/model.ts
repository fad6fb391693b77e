// Defensive readers for the API's JSON. Existing field names are stable, new ones appear over time:
// every reader tolerates a missing or oddly-typed field and keeps unknown extras out of the way.

export type Json = unknown;
type Obj = Record<string, unknown>;

export const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);
export const str = (x: unknown, fallback = ""): string =>
  typeof x === "string" ? x : typeof x === "number" || typeof x === "boolean" ? String(x) : fallback;
export const num = (x: unknown, fallback = 0): number => (typeof x === "number" && Number.isFinite(x) ? x : fallback);
export const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
export const strs = (x: unknown): string[] => arr(x).map((v) => text(v)).filter((v) => v !== "");
export const field = (o: unknown, k: string): unknown => (isObj(o) ? o[k] : undefined);

/** Any value as a short human text: strings as they are, objects by name/id, or "key: value" pairs. */
export function text(x: unknown): string {
  if (x === null || x === undefined) return "";
  if (typeof x !== "object") return str(x);
  if (Array.isArray(x)) return x.map(text).filter(Boolean).join(", ");
  const o = x as Obj;
  for (const k of ["name", "id", "url", "email"]) if (typeof o[k] === "string") return o[k] as string;
  return Object.entries(o)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${k}: ${text(v)}`)
    .join(", ");
}

export interface NodeRef {
  id: string;
  kind: string;
  name: string;
}
export const nodeRef = (x: unknown): NodeRef => {
  const id = str(field(x, "id"), typeof x === "string" ? x : "");
  return { id, kind: str(field(x, "kind"), kindOfId(id)), name: str(field(x, "name"), id) };
};

const PREFIX_KIND: Record<string, string> = {
  dataset: "Dataset", job: "Job", run: "Run", commit: "Commit", repo: "Repo", model: "Model",
  modelversion: "ModelVersion", model_version: "ModelVersion", deployment: "Deployment",
  evaluation: "Evaluation", person: "Person", team: "Team", playbook: "Playbook",
};
/** A kind for display when only an id is known (ids start with their kind's prefix). */
export function kindOfId(id: string): string {
  const prefix = id.split(":", 1)[0] ?? "";
  return PREFIX_KIND[prefix.toLowerCase()] ?? "";
}

export interface Owner {
  id: string;
  name: string;
  role: string;
  active: boolean;
  source: string;
  effective: boolean | null;
  inherited: string;
  origin: string;
}
export const owner = (x: unknown): Owner => ({
  id: str(field(x, "id")),
  name: str(field(x, "name"), str(field(x, "id"))),
  role: str(field(x, "role"), "owner"),
  active: field(x, "active") === true,
  source: str(field(x, "source")),
  effective: typeof field(x, "effective") === "boolean" ? (field(x, "effective") as boolean) : null,
  inherited: text(field(x, "inherited_from")),
  origin: str(field(x, "origin")),
});

export interface Impacted extends NodeRef {
  distance: number;
  path: string[];
  owners: Owner[];
}
export interface PageEntry {
  id: string;
  name: string;
  artifacts: string[];
  deployments: string[];
  roles: string[];
  contact: string;
  teams: string[];
  via: string[];
  runbooks: string[];
  /** Teams this person is on call for now (their rotation pages them for the team). */
  onCall: string[];
}
export interface BlastRadius {
  root: NodeRef;
  impacted: Impacted[];
  page: PageEntry[];
  unowned: string[];
  unresolved: { artifact: string; owner: string }[];
  members: NodeRef[];
  truncated: boolean;
  maxDepth: number | null;
  extra: Record<string, unknown>;
}

export function blastRadius(x: unknown): BlastRadius {
  const root = nodeRef(field(x, "root"));
  const impacted = arr(field(x, "impacted")).map((i) => ({
    ...nodeRef(i),
    distance: num(field(i, "distance")),
    path: strs(field(i, "path")),
    owners: arr(field(i, "owners")).map(owner),
  }));
  const page = arr(field(x, "page")).map((p) => ({
    id: str(field(p, "id")),
    name: str(field(p, "name"), str(field(p, "id"))),
    artifacts: strs(field(p, "artifacts")),
    deployments: strs(field(p, "deployments")),
    roles: strs(field(p, "roles")),
    contact: text(field(p, "contact")),
    teams: strs(field(p, "teams")),
    via: strs(field(p, "via")),
    runbooks: strs(field(p, "runbooks")),
    onCall: strs(field(p, "on_call")),
  }));
  const md = field(x, "max_depth");
  return {
    root,
    impacted,
    page,
    unowned: strs(field(x, "unowned")),
    unresolved: arr(field(x, "unresolved")).map((u) => ({
      artifact: text(field(u, "artifact")),
      owner: text(field(u, "owner")),
    })),
    members: arr(field(x, "members")).map(nodeRef),
    truncated: field(x, "truncated") === true,
    maxDepth: typeof md === "number" ? md : null,
    extra: isObj(x) ? x : {},
  };
}

/** Counts of a list of nodes per value of a key, sorted by key. */
export function countBy<T>(items: T[], key: (t: T) => string | number): [string, number][] {
  const m = new Map<string, number>();
  for (const i of items) m.set(String(key(i)), (m.get(String(key(i))) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
