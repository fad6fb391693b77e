// The blast radius page's suspect marks: downstream artifacts under an unresolved incident.
import { arr, field, nodeRef } from "../../api/model";
import { NodeLink, Section } from "../../components";
import { Link, pageUrl } from "../../lib/router";
import { suspectMark } from "./model";

export function SuspectSection({ raw }: { raw: Record<string, unknown> }) {
  const items = arr(field(raw, "impacted")).filter((i) => arr(field(i, "suspect")).length > 0);
  if (items.length === 0) return null;
  return (
    <Section title={`Suspect (${items.length})`} id="suspect">
      <p>Under an unresolved incident, or downstream of one: treat their outputs with care until it is resolved.</p>
      <ul data-testid="blast-suspects">
        {items.map((i) => {
          const ref = nodeRef(i);
          return (
            <li key={ref.id}>
              <span className="suspect-mark">suspect</span> <NodeLink id={ref.id} name={ref.name} kind={ref.kind} /> —{" "}
              {arr(field(i, "suspect")).map(suspectMark).map((m) => (
                <span key={m.incident}><Link to={pageUrl("incidents", m.incident)}>{m.incident}</Link> ({m.severity}, {m.status}) </span>
              ))}
            </li>
          );
        })}
      </ul>
    </Section>
  );
}
