import { apiGet } from "../../api/client";
import { arr, field, nodeRef, str, strs, text } from "../../api/model";
import { CopyButton, DownloadButton, NodeLink, Section, Status } from "../../components";
import { HandoffApplyForm } from "../changes/HandoffApplyForm";
import { useApi } from "../../lib/useApi";
import { OnCall } from "../reviews/OnCall";

export function OwnerPage({ id, kind }: { id: string; kind: "person" | "team" }) {
  const r = useApi(`owner:${id}`, async (signal) => {
    const owned = await apiGet("/api/v1/explorer/owned/{owner_id}", { path: { owner_id: id }, signal });
    const handoff = kind === "person" ? await apiGet("/api/v1/handoff/{person_id}", { path: { person_id: id }, signal }) : null;
    return { owned, handoff };
  });
  const o = r.data?.owned;
  const node = field(o, "node");
  const ref = nodeRef(node);
  const active = field(node, "active");
  const items = arr(field(r.data?.handoff, "items"));
  const checklist = str(field(r.data?.handoff, "checklist"));
  return (
    <>
      <h1>{o ? ref.name : <code>{id}</code>} {kind === "person" && o ? <span className={active === false ? "bad" : "good"}>({active === false ? "left / inactive" : "active"})</span> : null}</h1>
      <Status loading={r.loading} error={r.error}>
        {o ? (
          <>
            <p><code>{ref.id}</code></p>
            {arr(field(o, "teams")).length ? <p>Teams: {arr(field(o, "teams")).map(nodeRef).map((t) => <span key={t.id}><NodeLink id={t.id} name={t.name} /> </span>)}</p> : null}
            {kind === "team" ? <OnCall team={ref.id} /> : null}
            {kind === "team" ? (
              <Section title={`Members (${arr(field(o, "members")).length})`} id="members">
                <ul className="plain">{arr(field(o, "members")).map((m) => (
                  <li key={str(field(m, "id"))}><NodeLink id={str(field(m, "id"))} name={str(field(m, "name"))} /> {field(m, "active") === false ? <strong className="bad">left</strong> : "active"}</li>
                ))}</ul>
              </Section>
            ) : null}
            <Section title={`Owns and stewards (${arr(field(o, "owns")).length})`} id="owns">
              <ul className="plain columns">{arr(field(o, "owns")).map((a) => (
                <li key={str(field(a, "id"))}><NodeLink id={str(field(a, "id"))} name={str(field(a, "name"))} kind={str(field(a, "kind"))} /> · {strs(field(a, "roles")).join(", ")}</li>
              ))}</ul>
            </Section>
            {kind === "person" ? (
              <Section title="Handoff checklist" id="handoff"
                actions={<><CopyButton label="Copy checklist" text={() => checklist} />
                  <DownloadButton label="Markdown" filename="handoff.md" type="text/markdown" content={() => checklist} /></>}>
                <table data-testid="handoff">
                  <caption>Suggested successor for each artifact, with the reason</caption>
                  <thead><tr><th scope="col">Artifact</th><th scope="col">Roles</th><th scope="col">Suggested successor</th><th scope="col">Why</th></tr></thead>
                  <tbody>
                    {items.map((i) => {
                      const a = nodeRef(field(i, "artifact"));
                      const s = field(i, "successor");
                      return (
                        <tr key={a.id}>
                          <td><NodeLink id={a.id} name={a.name} kind={a.kind} /></td><td>{strs(field(i, "roles")).join(", ")}</td>
                          <td>{s ? <NodeLink id={str(field(s, "id"))} name={str(field(s, "name"))} /> : <strong className="bad">nobody</strong>}</td>
                          <td>{text(field(s, "reason"))}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
                <HandoffApplyForm person={id} />
                <details><summary>Checklist (Markdown)</summary><pre className="checklist" tabIndex={0}>{checklist}</pre></details>
              </Section>
            ) : null}
          </>
        ) : null}
      </Status>
    </>
  );
}
