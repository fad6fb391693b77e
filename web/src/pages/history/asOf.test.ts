import { describe, expect, it } from "vitest";
import { describeChange, isoToLocal, localToIso } from "./asOf";

describe("as-of moments", () => {
  it("turns a local date-time into a UTC moment and back", () => {
    const iso = localToIso("2026-11-26T14:05:30");
    expect(iso).not.toBeNull();
    expect(iso?.endsWith("Z")).toBe(true);
    expect(isoToLocal(iso ?? "")).toBe("2026-11-26T14:05:30");
  });
  it("refuses what is not a moment", () => {
    expect(localToIso("")).toBeNull();
    expect(localToIso("not a time")).toBeNull();
    expect(isoToLocal("nonsense")).toBe("");
  });
  it("describes only what changed", () => {
    expect(describeChange({ source: "a", props: { role: "owner" } }, { source: "a", props: { role: "steward" } }))
      .toBe('props: {"role":"owner"} → {"role":"steward"}');
    expect(describeChange(null, { source: "b" })).toBe('source: null → "b"');
  });
});
