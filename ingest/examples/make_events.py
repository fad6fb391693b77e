"""Two pipeline runs as OpenLineage events, written with the official client (pip install openlineage-python).

Your scheduler (Airflow, Spark, dbt) emits these for you; this script stands in for it. Run ids and times
are fixed so that the file it writes, lineage.jsonl, is the same every time.
"""
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.serde import Serde

PRODUCER = "https://github.com/acme/pipelines"
LAKE, CRM = "s3://acme-lake", "postgres://crm:5432"
RUNS = [  # run id, job, inputs, outputs, start, end
    ("01936e2a-0000-7000-8000-000000000001", "orders.build_features",
     [(LAKE, "raw/orders"), (CRM, "public.customers")], [(LAKE, "features/orders_daily")],
     "2026-03-01T02:00:00Z", "2026-03-01T02:20:00Z"),
    ("01936e2a-0000-7000-8000-000000000002", "orders.score",
     [(LAKE, "features/orders_daily")], [(LAKE, "scores/order_risk")],
     "2026-03-01T03:00:00Z", "2026-03-01T03:05:00Z"),
]

with open("lineage.jsonl", "w", encoding="utf-8") as out:
    for run_id, job, inputs, outputs, start, end in RUNS:
        for state, at in ((RunState.START, start), (RunState.COMPLETE, end)):
            event = RunEvent(
                eventType=state, eventTime=at, producer=PRODUCER,
                run=Run(runId=run_id), job=Job(namespace="airflow", name=job),
                inputs=[InputDataset(namespace=ns, name=n) for ns, n in inputs],
                outputs=[OutputDataset(namespace=ns, name=n) for ns, n in outputs],
            )
            out.write(Serde.to_json(event) + "\n")
