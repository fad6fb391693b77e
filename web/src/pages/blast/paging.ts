import type { BlastRadius } from "../../api/model";
import { toCsv } from "../../lib/csv";

/** The paging list as plain text for a chat message, in the API's order. */
export function pagingText(b: BlastRadius, url: string): string {
  const lines = [`Blast radius of ${b.root.name} (${b.root.id}): ${b.impacted.filter((i) => i.id !== b.root.id).length} impacted${b.truncated ? " (TRUNCATED)" : ""}`, url, "Page, in order:"];
  b.page.forEach((p, i) => {
    const bits = [`${i + 1}. ${p.name} <${p.id}>`];
    if (p.roles.length) bits.push(`(${p.roles.join(", ")})`);
    if (p.onCall.length) bits.push(`ON CALL for ${p.onCall.join(", ")}`);
    if (p.contact) bits.push(`contact: ${p.contact}`);
    bits.push(`- ${p.deployments.length} deployment(s), ${p.artifacts.length} artifact(s)`);
    if (p.runbooks.length) bits.push(`runbooks: ${p.runbooks.join(" ")}`);
    lines.push(bits.join(" "));
  });
  if (b.unowned.length) lines.push(`No active owner: ${b.unowned.length} artifact(s)`);
  return lines.join("\n") + "\n";
}

export function pagingCsv(b: BlastRadius): string {
  return toCsv(
    ["rank", "id", "name", "roles", "contact", "teams", "deployments", "artifacts", "runbooks"],
    b.page.map((p, i) => [i + 1, p.id, p.name, p.roles, p.contact, [...p.teams, ...p.via], p.deployments, p.artifacts, p.runbooks]),
  );
}
