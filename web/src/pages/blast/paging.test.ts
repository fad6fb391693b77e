import { describe, expect, it } from "vitest";
import { blastRadius } from "../../api/model";
import { pagingCsv, pagingText } from "./paging";

const body = {
  root: { id: "dataset:a", kind: "Dataset", name: "a" },
  impacted: [{ id: "deployment:x", kind: "Deployment", name: "x", distance: 1, path: ["dataset:a", "deployment:x"], owners: [] }],
  page: [
    { id: "person:b@x.io", name: "B", artifacts: ["deployment:x"], deployments: ["deployment:x"], roles: ["owner"], contact: { slack: "@b" }, runbooks: ["https://r/1"] },
    { id: "person:a@x.io", name: "A", artifacts: ["dataset:a"], deployments: [] },
  ],
  unowned: [],
  truncated: true,
};

describe("paging list export", () => {
  it("keeps the API's order and renders new fields when present", () => {
    const b = blastRadius(body);
    const text = pagingText(b, "http://h/blast-radius/dataset%3Aa");
    expect(text.indexOf("B <person:b@x.io>")).toBeLessThan(text.indexOf("A <person:a@x.io>"));
    expect(text).toContain("contact: slack: @b");
    expect(text).toContain("TRUNCATED");
    const csv = pagingCsv(b).split("\r\n");
    expect(csv[1]?.startsWith("1,person:b@x.io,B,owner,slack: @b")).toBe(true);
    expect(csv[2]?.startsWith("2,person:a@x.io,A,,")).toBe(true);
  });

  it("reads a body without the optional fields", () => {
    const b = blastRadius({ root: { id: "dataset:a" } });
    expect(b.page).toEqual([]);
    expect(b.unresolved).toEqual([]);
    expect(b.root.kind).toBe("Dataset");
  });
});
