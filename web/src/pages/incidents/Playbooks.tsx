import { NodeLink, Section } from "../../components";
import type { Playbook } from "./model";

export function Playbooks({ items, id = "playbooks" }: { items: Playbook[]; id?: string }) {
  return (
    <Section title={`Playbooks (${items.length})`} id={id}>
      {items.length === 0 ? <p>No playbook applies. Add a <code>Playbook</code> to the catalog.</p> : null}
      {items.map((p) => (
        <article key={p.id} className="playbook" data-testid="playbook" data-playbook={p.id}>
          <h3>{p.name} <code>{p.id}</code></h3>
          {p.description ? <p>{p.description}</p> : null}
          <p className="why">
            {p.matchedBy.length ? <>Applies because it {p.matchedBy.join("; ")}. </> : null}
            {p.owners.length ? <>Kept by {p.owners.map((o) => <span key={o}><NodeLink id={o} /> </span>)}</> : null}
          </p>
          {p.sections.filter(([, items]) => items.length).map(([title, items]) => (
            <div key={title}>
              <h4>{title}</h4>
              <ul>
                {items.map((i) => (
                  <li key={i.text}>{i.text}{i.owners.length ? <> — {i.owners.map((o) => <span key={o}><NodeLink id={o} /> </span>)}</> : null}</li>
                ))}
              </ul>
            </div>
          ))}
        </article>
      ))}
    </Section>
  );
}
