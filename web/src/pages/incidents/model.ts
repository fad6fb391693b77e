// Readers for the incidents API's JSON (defensive, like ../../api/model).
import { arr, field, nodeRef, num, str, strs, type NodeRef } from "../../api/model";

export interface IncidentBrief {
  id: string;
  title: string;
  severity: string;
  status: string;
  artifact: NodeRef;
  openedAt: string;
  relation: string;
  resolution: string;
  postmortems: string[];
}
export const incidentBrief = (x: unknown): IncidentBrief => ({
  id: str(field(x, "id")), title: str(field(x, "title")), severity: str(field(x, "severity")),
  status: str(field(x, "status")), artifact: nodeRef(field(x, "artifact")), openedAt: str(field(x, "opened_at")),
  relation: str(field(x, "relation")), resolution: str(field(field(x, "resolution"), "reason")),
  postmortems: strs(field(x, "postmortems")),
});

export interface SuspectMark {
  incident: string;
  title: string;
  severity: string;
  status: string;
  root: string;
  distance: number;
}
export const suspectMark = (x: unknown): SuspectMark => ({
  incident: str(field(x, "incident")), title: str(field(x, "title")), severity: str(field(x, "severity")),
  status: str(field(x, "status")), root: str(field(x, "root")), distance: num(field(x, "distance")),
});

export interface PlaybookItem { text: string; owners: string[] }
export interface Playbook {
  id: string;
  name: string;
  description: string;
  owners: string[];
  matchedBy: string[];
  sections: [string, PlaybookItem[]][];
}
export const SECTION_TITLES: [string, string][] = [
  ["failure_modes", "Failure modes"], ["rollback_criteria", "Rollback criteria"],
  ["data_integrity_checks", "Data-integrity checks"], ["communication", "Communication"],
];
export const playbook = (x: unknown): Playbook => ({
  id: str(field(x, "id")), name: str(field(x, "name")), description: str(field(x, "description")),
  owners: strs(field(x, "owners")), matchedBy: strs(field(x, "matched_by")),
  sections: SECTION_TITLES.map(([key, title]) => [title, arr(field(field(x, "sections"), key)).map((i) => ({
    text: str(field(i, "text")), owners: strs(field(i, "owners")),
  }))]),
});

export const NEXT: Record<string, { action: string; label: string; needsReason: boolean }[]> = {
  open: [{ action: "ack", label: "Acknowledge", needsReason: false }],
  acknowledged: [{ action: "mitigate", label: "Mark mitigated", needsReason: false },
    { action: "resolve", label: "Resolve (false alarm)", needsReason: true }],
  mitigated: [{ action: "resolve", label: "Resolve", needsReason: true }],
  resolved: [],
};
