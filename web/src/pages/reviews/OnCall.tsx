// Who is on call for a team now, and next, by the rotation its catalog Team declares.
import { apiGet } from "../../api/client";
import { field } from "../../api/model";
import { NodeLink, Section } from "../../components";
import { useApi } from "../../lib/useApi";
import { shift, type Shift } from "./model";

function Line({ label, s }: { label: string; s: Shift | null }) {
  if (!s) return <li>{label}: nobody</li>;
  return (
    <li data-testid={`oncall-${label}`}>
      {label}: <NodeLink id={s.person} name={s.name} />{s.contact ? ` · ${s.contact}` : ""} · {s.starts.slice(0, 16).replace("T", " ")} to{" "}
      {s.ends.slice(0, 16).replace("T", " ")} UTC{s.coveringFor ? <> (covering for <NodeLink id={s.coveringFor} />)</> : null}
    </li>
  );
}

export function OnCall({ team }: { team: string }) {
  const r = useApi(`oncall:${team}`, (signal) => apiGet("/api/v1/oncall/{team_id}", { path: { team_id: team }, signal }));
  if (r.loading || r.error || !r.data || !field(r.data, "rotation")) return null; // no rotation declared
  return (
    <Section title="On call" id="oncall">
      <ul className="plain">
        <Line label="now" s={shift(field(r.data, "on_call"))} />
        <Line label="next" s={shift(field(r.data, "next"))} />
      </ul>
    </Section>
  );
}
