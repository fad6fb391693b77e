import { useState } from "react";
import { setQuery } from "../../lib/router";
import { isoToLocal, localToIso } from "./asOf";

/** A date-time picker that puts ?as_of= in the URL (the page then answers as the graph was then). */
export function AsOfControl({ asOf }: { asOf: string | null }) {
  const [value, setValue] = useState(asOf ? isoToLocal(asOf) : "");
  const apply = () => {
    const iso = localToIso(value);
    if (iso) setQuery({ as_of: iso }, false);
  };
  return (
    <form className="as-of" aria-label="As of a moment" onSubmit={(e) => { e.preventDefault(); apply(); }}>
      <label>
        As of{" "}
        <input type="datetime-local" step={1} value={value} onChange={(e) => setValue(e.target.value)} data-testid="as-of-input" />
      </label>{" "}
      <button type="submit" disabled={!localToIso(value)}>Show then</button>{" "}
      {asOf ? <button type="button" onClick={() => { setValue(""); setQuery({ as_of: null }, false); }}>Back to now</button> : null}
    </form>
  );
}
