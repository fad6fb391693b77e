// Colour and icon per kind (the icon is a letter glyph: no icon font, no network).
export const KIND_STYLE: Record<string, { color: string; icon: string }> = {
  Dataset: { color: "#1f6feb", icon: "▤" },
  Job: { color: "#8250df", icon: "⚙" },
  Run: { color: "#6e7781", icon: "▶" },
  Commit: { color: "#57606a", icon: "●" },
  Repo: { color: "#24292f", icon: "⎇" },
  Model: { color: "#bf3989", icon: "◆" },
  ModelVersion: { color: "#a2407e", icon: "◇" },
  Deployment: { color: "#1a7f37", icon: "⬢" },
  Evaluation: { color: "#9a6700", icon: "✓" },
  Person: { color: "#0969da", icon: "☺" },
  Team: { color: "#0550ae", icon: "☷" },
  Playbook: { color: "#953800", icon: "☰" },
};
export const kindStyle = (kind: string) => KIND_STYLE[kind] ?? { color: "#57606a", icon: "?" };
