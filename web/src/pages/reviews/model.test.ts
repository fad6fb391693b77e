import { describe, expect, it } from "vitest";
import { dueItems, dueText, reviews, shift } from "./model";

describe("reviews model", () => {
  it("reads the due list and says when each is due", () => {
    const items = dueItems({
      due: [
        { artifact: "deployment:prod/a", type: "ownership", status: "never", due: null, days_overdue: null, days_left: 0 },
        { artifact: "deployment:prod/a", type: "drift", status: "overdue", due: "2026-11-11T12:00:00.000Z", days_overdue: 15 },
        { artifact: "model_version:m/2", type: "drift", status: "failed", due: "2026-11-23T12:00:00.000Z", days_overdue: 3,
          last_review: { id: "rev-1", outcome: "fail", by: "person:ada@corp.com", reviewed_at: "2026-11-23T12:00:00.000Z" } },
        { artifact: "deployment:staging/a", type: "ownership", status: "ok", due: "2026-12-01T12:00:00.000Z", days_overdue: null, days_left: 5 },
      ],
    });
    expect(items.map(dueText)).toEqual([
      "never reviewed: due now",
      "15 day(s) overdue (due 2026-11-11)",
      "failed 3 day(s) ago: due until it passes",
      "due 2026-12-01, in 5 day(s)",
    ]);
    expect(items[2]?.last?.outcome).toBe("fail");
  });

  it("tolerates missing fields", () => {
    expect(reviews({})).toEqual([]);
    expect(reviews({ reviews: [{ id: "r" }] })[0]?.notes).toBe("");
    expect(shift(null)).toBeNull();
    expect(shift({ person: "person:b@x" })?.name).toBe("person:b@x");
  });
});
