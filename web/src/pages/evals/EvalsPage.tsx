/** Evals: suites, starting a run over several models, and the runs so far. */
import { useEffect, useState } from "react";
import { ErrorText } from "../../components/ErrorText.tsx";
import { api } from "../../lib/api.ts";
import { listModels } from "../../lib/models.ts";
import { useAsync } from "../../lib/useAsync.ts";
import { RunsCard } from "./RunsCard.tsx";
import { StartRun } from "./StartRun.tsx";
import { SuitesCard } from "./SuitesCard.tsx";
import type { RunView, SuiteListing } from "./types.ts";
import "./evals.css";

export function EvalsPage() {
  const suites = useAsync(() => api<{ suites: SuiteListing[] }>("GET", "/evals/suites").then((r) => r.suites), []);
  const runs = useAsync(() => api<{ runs: RunView[] }>("GET", "/evals/runs").then((r) => r.runs), []);
  const models = useAsync(listModels, []);
  const [suiteId, setSuiteId] = useState("");

  // Default to the first suite; an import selects the new one.
  useEffect(() => {
    if (!suiteId && suites.data?.length) setSuiteId(suites.data[0].id);
  }, [suites.data, suiteId]);

  return (
    <div className="page evals">
      <h1>Evals</h1>
      <p className="muted evals-intro">Score models on your own tasks: mean scores with 95% bootstrap intervals, paired differences and the cases where models disagree.</p>
      <ErrorText error={suites.error ?? runs.error ?? models.error} />
      <div className="evals-grid">
        <SuitesCard suites={suites.data ?? []} onImported={(s) => { setSuiteId(s.id); void suites.reload(); }} />
        <StartRun suites={suites.data ?? []} models={models.data ?? []} suiteId={suiteId} onSuite={setSuiteId} />
      </div>
      <RunsCard runs={runs.data ?? []} />
    </div>
  );
}
