import { describe, expect, it } from "vitest";
import { loginUrl, safeNext } from "./session";

describe("safeNext", () => {
  it("keeps paths of this site", () => {
    expect(safeNext("/audit?rule=x")).toBe("/audit?rule=x");
    expect(safeNext(decodeURIComponent(loginUrl("/blast-radius/dataset%3Ax").slice("/login?next=".length))))
      .toBe("/blast-radius/dataset%3Ax");
  });
  it("refuses other origins and loops", () => {
    for (const bad of ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "", null, "/login?next=/"]) {
      expect(safeNext(bad)).toBe("/");
    }
  });
});
