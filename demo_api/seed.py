"""Deterministic demo data: projects, agents, metrics, call logs with metric
evaluations, and dashboards whose widgets cover every chart type and the filter
examples of the Dashboards guide.

Everything comes from one `random.Random(seed)` and the anchor time `now`, so the same
seed and anchor give the same database. The anchor is kept in `meta`. On a later start
the calls stay as they are: `set_offset_to_now` stores in `meta` how far the real clock is
ahead of the anchor, and every query adds that offset to the stored timestamps (or takes
it off the moments it compares them with), so the data always covers the last 30 days
without rewriting every call (an UPDATE of 500,000 rows took 1.2 s on each start).
"""

from __future__ import annotations

import bisect
import itertools
import json
import logging
import math
import random
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from demo_api.db import create_indexes, dump_json, get_meta, iso, set_meta, transaction

logger = logging.getLogger(__name__)

SEED_WINDOW_DAYS = 30
OFFSET_KEY = "offset"
# Written with the small tables (phase 1); "anchor" only once the calls are in (phase 2).
SMALL_TABLES_KEY = "small_tables_anchor"
DAY = 86_400.0

PROJECTS = (
    (1, "Acme Health Voice Support", "Patient-facing voice agents of Acme Health clinics."),
    (2, "Northwind Billing", "Billing, payments and refunds for Northwind Energy customers."),
    (3, "Globex Sales Outreach", "Outbound sales and renewal calls for Globex."),
)


@dataclass(frozen=True)
class AgentSeed:
    id: int
    project_id: int
    name: str
    description: str
    weight: float  # share of its project's calls
    success_rate: float
    median_duration: float  # seconds


AGENTS = (
    AgentSeed(
        1, 1, "Appointment Scheduler", "Books, moves and cancels appointments.", 0.45, 0.88, 150
    ),
    AgentSeed(2, 1, "Support Triage", "Routes patients to the right department.", 0.35, 0.79, 95),
    AgentSeed(3, 1, "Prescription Refills", "Handles refill requests.", 0.20, 0.84, 170),
    AgentSeed(4, 2, "Billing Bot", "Answers balance and invoice questions.", 0.50, 0.74, 190),
    AgentSeed(5, 2, "Payment Reminder", "Outbound reminders for overdue invoices.", 0.30, 0.63, 70),
    AgentSeed(6, 2, "Refund Desk", "Takes refund and dispute requests.", 0.20, 0.69, 260),
    AgentSeed(7, 3, "Lead Qualifier", "Qualifies inbound sales leads.", 0.40, 0.66, 210),
    AgentSeed(8, 3, "Demo Booker", "Books product demos with qualified leads.", 0.35, 0.81, 130),
    AgentSeed(9, 3, "Renewal Caller", "Calls customers whose contract ends soon.", 0.25, 0.72, 240),
)

PROJECT_WEIGHTS = {1: 0.45, 2: 0.35, 3: 0.20}

# (name, eval_type, enum_values, description) for each project; ids are assigned in order.
METRIC_TEMPLATES: tuple[tuple[str, str, list[str] | None, str], ...] = (
    ("Accuracy", "continuous_qualitative", None, "How accurate the agent's answers were (0-1)."),
    ("Issue Resolved", "binary", None, "The caller's issue was resolved on this call."),
    ("Customer Satisfaction", "numeric", None, "Estimated CSAT score from 1 to 5."),
    ("Sentiment", "enum", ["positive", "neutral", "negative"], "Caller sentiment at the end."),
)
PROJECT_METRICS: dict[int, tuple[str, str, list[str] | None, str]] = {
    1: ("Identity Verified", "binary", None, "The patient's identity was verified."),
    2: (
        "Payment Outcome",
        "enum",
        ["paid", "promised", "disputed", "no_action"],
        "What the caller did.",
    ),
    3: ("Interruptions", "numeric", None, "How often the agent talked over the caller."),
}

END_REASONS = (
    ("customer-ended-call", 0.52),
    ("assistant-ended-call", 0.30),
    ("silence-timed-out", 0.08),
    ("customer-did-not-answer", 0.05),
    ("pipeline-error", 0.03),
    ("exceeded-max-duration", 0.02),
)
FAILURE_END_REASONS = (
    ("customer-ended-call", 0.45),
    ("silence-timed-out", 0.22),
    ("pipeline-error", 0.12),
    ("assistant-ended-call", 0.11),
    ("customer-did-not-answer", 0.06),
    ("exceeded-max-duration", 0.04),
)
TOPICS = {
    1: (
        "appointment_booking",
        "appointment_change",
        "prescription_refill",
        "insurance_question",
        "billing",
    ),
    2: ("invoice_question", "payment", "refund_request", "plan_change", "meter_reading"),
    3: ("pricing", "product_demo", "contract_renewal", "competitor_comparison", "not_interested"),
}
DROPOFF_POINTS = (
    "greeting",
    "identity verification",
    "collecting details",
    "waiting on hold",
    "payment step",
    "transfer to human",
    "end of conversation as no queries remaining",
)
REGIONS = (("us-east", 0.38), ("us-west", 0.24), ("eu-west", 0.22), ("apac", 0.16))
PLANS = (("free", 0.35), ("pro", 0.45), ("enterprise", 0.20))
ORG_NAMES = (
    "Acme Corp",
    "Initech",
    "Umbrella Health",
    "Stark Industries",
    "Wayne Enterprises",
    "Hooli",
    "Vandelay Imports",
    "Soylent Co",
    "Cyberdyne",
    "Tyrell Corp",
)


class _Picker:
    """A weighted choice with the cumulative weights computed once (random.choices
    recomputes them on every call, which dominates a 50,000-call seed)."""

    def __init__(self, values: Sequence[Any], weights: Sequence[float]) -> None:
        self.values = list(values)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    @classmethod
    def of(cls, pairs: tuple[tuple[str, float], ...]) -> _Picker:
        return cls([p[0] for p in pairs], [p[1] for p in pairs])

    def __call__(self, rng: random.Random) -> Any:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def _hour_weights() -> list[float]:
    # Business hours are busy with a lunch dip, evenings taper off, nights quiet.
    shape = {7: 0.35, 8: 0.7, 12: 0.8, 13: 0.85, 18: 0.6, 19: 0.45, 20: 0.3, 21: 0.22}
    return [
        shape.get(h, 0.1 if h < 7 or h > 21 else (1.0 if 9 <= h <= 17 else 0.5)) for h in range(24)
    ]


# A week's rhythm (Monday first): weekdays busy, Monday busiest, weekends a third as busy.
WEEKDAY_WEIGHTS = (1.0, 0.92, 0.9, 0.88, 0.8, 0.38, 0.3)

# One incident a demo can point at: a telephony outage of INCIDENT_HOURS starting at
# 13:00 UTC, INCIDENT_DAYS_AGO days before the anchor, in every project. Calls fail, end
# in pipeline errors, and the ones that connect run long.
INCIDENT_DAYS_AGO = 5
INCIDENT_START_HOUR = 13
INCIDENT_HOURS = 5
INCIDENT_SUCCESS = 0.22
INCIDENT_PIPELINE_ERROR = 0.55

# Agents that change over the 30 days (the share of successful calls at the start and at
# the anchor), so agents differ in their trend as well as their level.
AGENT_TRENDS = {2: (0.66, 0.88), 5: (0.74, 0.52), 8: (0.72, 0.9)}
# Outbound agents call in business hours on weekdays only.
OUTBOUND_AGENTS = frozenset({5, 7, 9})


def _incident_window(anchor: float) -> tuple[float, float]:
    day = (anchor // DAY - INCIDENT_DAYS_AGO) * DAY
    start = day + INCIDENT_START_HOUR * 3600
    return start, start + INCIDENT_HOURS * 3600


def _success_rate(agent: AgentSeed, ts: float, earliest: float, anchor: float) -> float:
    trend = AGENT_TRENDS.get(agent.id)
    if trend is None:
        return agent.success_rate
    progress = (ts - earliest) / (anchor - earliest)
    return trend[0] + (trend[1] - trend[0]) * progress


def _is_business_time(ts: float) -> bool:
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.weekday() < 5 and 8 <= moment.hour < 18


def seed_database(conn: sqlite3.Connection, *, seed: int, calls: int, now: datetime) -> None:
    """Fill an empty database: its small tables, then its calls (the two phases below,
    one after the other)."""
    seed_small_tables(conn, now=now)
    seed_calls(conn, seed=seed, calls=calls, now=now)


def seed_small_tables(conn: sqlite3.Connection, *, now: datetime) -> None:
    """Phase 1: projects, agents, metrics, dashboards and widgets, all the dashboards list
    needs, in one transaction, so a database is left with all of them or none. The anchor
    of the calls to come is stored with them. Does nothing when they are there already
    (a start that died before its calls were committed), so a rerun adds no duplicates."""
    if small_tables_anchor(conn) is not None:
        return
    anchor = now.astimezone(UTC)
    created = iso(anchor - timedelta(days=120))
    with transaction(conn):
        conn.executemany(
            "INSERT INTO projects(id, name, description, created_at) VALUES (?, ?, ?, ?)",
            [(pid, name, desc, created) for pid, name, desc in PROJECTS],
        )
        conn.executemany(
            "INSERT INTO agents(id, project_id, agent_name, description, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(a.id, a.project_id, a.name, a.description, created) for a in AGENTS],
        )
        metrics = _metric_rows()
        conn.executemany(
            "INSERT INTO metrics(id, project_id, name, description, eval_type, enum_values) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            metrics,
        )
        _insert_dashboards(conn, anchor, metrics)
        set_meta(conn, SMALL_TABLES_KEY, repr(anchor.timestamp()))


def seed_calls(conn: sqlite3.Connection, *, seed: int, calls: int, now: datetime) -> None:
    """Phase 2: the call logs and their metric evaluations, at the anchor phase 1 stored
    (so a rerun after a crash makes the calls a one-go seed would have made), in one
    transaction that also stores the `anchor` `is_seeded` looks for; then the indexes
    and ANALYZE. The data's offset is `now` less the anchor (0 on a first start)."""
    started = time.perf_counter()
    anchor = small_tables_anchor(conn)
    if anchor is None:
        raise RuntimeError("The calls are seeded after the small tables (seed_small_tables).")
    rng = random.Random(seed)  # phase 1 draws nothing: the calls are those of one go
    # Made before the transaction, so the write lock is held only while inserting.
    call_rows, eval_rows = _call_rows(rng, calls, anchor, _metric_rows())
    with transaction(conn):
        conn.executemany(
            "INSERT INTO call_logs(id, project_id, agent_id, timestamp, duration, success, "
            "call_ended_reason, dropoff_point, topic, customer_number, is_reviewed, metadata) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            call_rows,
        )
        conn.executemany(
            "INSERT INTO metric_evaluations(call_log_id, metric_id, value) VALUES (?, ?, ?)",
            eval_rows,
        )
        set_meta(conn, "seed", str(seed))
        set_meta(conn, "calls", str(calls))
        set_meta(conn, "anchor", repr(anchor))
        set_meta(conn, OFFSET_KEY, repr(now.timestamp() - anchor))
    create_indexes(conn)
    conn.execute("ANALYZE")
    logger.info(
        "seeded %d calls and %d evaluations in %.2f s",
        len(call_rows),
        len(eval_rows),
        time.perf_counter() - started,
    )


def small_tables_anchor(conn: sqlite3.Connection) -> float | None:
    """The anchor phase 1 chose (epoch seconds), or None before phase 1."""
    text = get_meta(conn, SMALL_TABLES_KEY)
    return float(text) if text is not None else None


def set_offset_to_now(conn: sqlite3.Connection, now: datetime) -> float:
    """Make the demo data end at `now`: store (now - anchor) as the data's offset, one
    row of `meta`. Returns the offset in seconds."""
    anchor_text = get_meta(conn, "anchor")
    if anchor_text is None:
        return 0.0
    offset = now.timestamp() - float(anchor_text)
    if get_meta(conn, OFFSET_KEY) != repr(offset):
        with transaction(conn):
            set_meta(conn, OFFSET_KEY, repr(offset))
    return offset


def data_offset(conn: sqlite3.Connection) -> float:
    """Seconds to add to a stored call timestamp for the real moment it stands for."""
    text = get_meta(conn, OFFSET_KEY)
    return float(text) if text is not None else 0.0


def is_seeded(conn: sqlite3.Connection) -> bool:
    """True once the calls are committed (phase 2), not after the small tables only."""
    return get_meta(conn, "anchor") is not None


def _metric_rows() -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    next_id = 1
    for project_id, _, _ in PROJECTS:
        for name, eval_type, enum_values, description in (
            *METRIC_TEMPLATES,
            PROJECT_METRICS[project_id],
        ):
            rows.append((next_id, project_id, name, description, eval_type, dump_json(enum_values)))
            next_id += 1
    return rows


def _call_rows(
    rng: random.Random, calls: int, anchor: float, metrics: list[tuple[Any, ...]]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    agents_by_project = {pid: [a for a in AGENTS if a.project_id == pid] for pid, _, _ in PROJECTS}
    metrics_by_project: dict[int, list[tuple[Any, ...]]] = {}
    for row in metrics:
        metrics_by_project.setdefault(row[1], []).append(row)
    pick_project = _Picker(list(PROJECT_WEIGHTS), list(PROJECT_WEIGHTS.values()))
    pick_agent = {
        pid: _Picker(agents, [a.weight for a in agents])
        for pid, agents in agents_by_project.items()
    }
    pick_hour = _Picker(range(24), _hour_weights())
    pick_reason = _Picker.of(END_REASONS)
    pick_failure_reason = _Picker.of(FAILURE_END_REASONS)
    pick_region = _Picker.of(REGIONS)
    pick_plan = _Picker.of(PLANS)
    customers = [
        f"+1{rng.randint(200, 989)}{rng.randint(200, 999)}{rng.randint(1000, 9999)}"
        for _ in range(max(50, calls // 6))
    ]

    # A calendar day, then a UTC clock hour weighted towards business hours; moments
    # outside the 30 days before the anchor are drawn again.
    earliest = anchor - SEED_WINDOW_DAYS * DAY
    first_midnight = (earliest // DAY) * DAY
    days = int((anchor - first_midnight) // DAY) + 1
    # A day is kept with its weekday's weight (the weekly rhythm).
    day_weights = [
        WEEKDAY_WEIGHTS[datetime.fromtimestamp(first_midnight + d * DAY, UTC).weekday()]
        for d in range(days)
    ]
    pick_day = _Picker(range(days), day_weights)
    timestamps: list[float] = []
    while len(timestamps) < calls:
        moment = first_midnight + pick_day(rng) * DAY + (pick_hour(rng) + rng.random()) * 3600
        if earliest <= moment < anchor:
            timestamps.append(moment)
    timestamps.sort()
    incident_start, incident_end = _incident_window(anchor)
    inbound = {
        pid: [a for a in agents if a.id not in OUTBOUND_AGENTS]
        for pid, agents in agents_by_project.items()
    }
    pick_inbound = {
        pid: _Picker(agents, [a.weight for a in agents]) for pid, agents in inbound.items()
    }

    call_rows: list[tuple[Any, ...]] = []
    eval_rows: list[tuple[Any, ...]] = []
    for index, ts in enumerate(timestamps):
        call_id = index + 1
        project_id = pick_project(rng)
        agent = pick_agent[project_id](rng)
        if agent.id in OUTBOUND_AGENTS and not _is_business_time(ts):
            agent = pick_inbound[project_id](rng)
        in_incident = incident_start <= ts < incident_end
        median = agent.median_duration * (1.6 if in_incident else 1.0)
        duration = round(min(1800.0, max(4.0, rng.lognormvariate(math.log(median), 0.6))), 1)
        rate = INCIDENT_SUCCESS if in_incident else _success_rate(agent, ts, earliest, anchor)
        roll = rng.random()
        success: int | None = None if roll < 0.02 else int(roll < rate + 0.02)
        call_ended_reason = (pick_failure_reason if success == 0 else pick_reason)(rng)
        if in_incident and rng.random() < INCIDENT_PIPELINE_ERROR:
            call_ended_reason = "pipeline-error"
        if call_ended_reason == "customer-did-not-answer":
            duration = round(rng.uniform(4, 30), 1)
        dropoff = None if success and rng.random() < 0.85 else rng.choice(DROPOFF_POINTS)
        topic = None if rng.random() < 0.05 else rng.choice(TOPICS[project_id])
        metadata = {
            "region": pick_region(rng),
            "plan": pick_plan(rng),
            "org_name": rng.choice(ORG_NAMES),
        }
        if rng.random() < 0.3:
            metadata["channel"] = rng.choice(("phone", "web", "sip"))
        call_rows.append(
            (
                call_id,
                project_id,
                agent.id,
                round(ts, 3),
                duration,
                success,
                call_ended_reason,
                dropoff,
                topic,
                rng.choice(customers),
                int(rng.random() < 0.07),
                json.dumps(metadata, separators=(",", ":")),
            )
        )
        for metric in metrics_by_project[project_id]:
            if rng.random() < 0.15:  # not every metric runs on every call
                continue
            eval_rows.append((call_id, metric[0], _evaluation(rng, metric, success, duration)))
    return call_rows, eval_rows


_ENUM_PICKERS = {
    ("Sentiment", True): _Picker(["positive", "neutral", "negative"], [0.6, 0.3, 0.1]),
    ("Sentiment", False): _Picker(["positive", "neutral", "negative"], [0.15, 0.4, 0.45]),
    ("Payment Outcome", True): _Picker(
        ["paid", "promised", "disputed", "no_action"], [0.45, 0.25, 0.1, 0.2]
    ),
    ("Payment Outcome", False): _Picker(
        ["paid", "promised", "disputed", "no_action"], [0.1, 0.2, 0.3, 0.4]
    ),
}


def _evaluation(
    rng: random.Random, metric: tuple[Any, ...], success: int | None, duration: float
) -> Any:
    name, eval_type = metric[2], metric[4]
    good = success == 1
    if eval_type == "binary":
        return int(rng.random() < (0.9 if good else 0.35))
    if eval_type == "continuous_qualitative":
        mean = 0.9 if good else 0.68
        return round(min(1.0, max(0.0, rng.gauss(mean, 0.09))), 3)
    if eval_type == "numeric":
        if name == "Interruptions":
            return float(min(12, int(rng.expovariate(1 / (1.2 + duration / 300)))))
        return float(min(5, max(1, round(rng.gauss(4.2 if good else 2.8, 0.8)))))
    return _ENUM_PICKERS[(name, good)](rng)


# --- dashboards ----------------------------------------------------------------------


def _ts(value: str, op: str = "gte") -> dict[str, Any]:
    return {"field": "timestamp", "op": op, "value": value}


def _and(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"operator": "and", "conditions": list(conditions)}


def _widget(
    name: str,
    chart_type: str,
    field: str = "",
    *,
    data_type: str | None = None,
    metric: int | None = None,
    time_period: str | None = None,
    aggregation: str | None = None,
    group_by: dict[str, Any] | None = None,
    filters: dict[str, Any] | None = None,
    position: int = 0,
) -> dict[str, Any]:
    return {
        "name": name,
        "chart_type": chart_type,
        "field": field,
        "data_type": data_type,
        "metric": metric,
        "time_period": time_period,
        "aggregation_function": aggregation,
        "group_by": group_by,
        "filters": filters,
        "metadata": {
            "position": {"x": (position % 2) * 6, "y": (position // 2) * 4},
            "size": {"w": 6, "h": 4},
        },
    }


def _metric_id(metrics: list[tuple[Any, ...]], project_id: int, name: str) -> int:
    return next(int(m[0]) for m in metrics if m[1] == project_id and m[2] == name)


def demo_dashboards(metrics: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """The seeded dashboards with their widgets (the guide's filter examples included)."""
    m = lambda project, name: _metric_id(metrics, project, name)  # noqa: E731
    day_bucket = {"type": "bucket", "interval": 86_400_000}
    return [
        {
            "name": "Support overview",
            "project": 1,
            "filters": _and(_ts("now-30d"), _ts("now", "lte")),
            "widgets": [
                _widget("Calls at a glance", "stat"),
                _widget("Call duration", "line", "duration", data_type="numeric"),
                _widget(
                    "Average duration per day",
                    "bar",
                    "duration",
                    data_type="numeric",
                    time_period="day",
                    aggregation="avg",
                ),
                _widget(
                    "Calls per hour", "bar", "duration", time_period="hour", aggregation="count"
                ),
                _widget("Why calls ended", "pie", "call_ended_reason", data_type="string"),
                _widget("Success share", "pie", "success", data_type="boolean"),
                _widget(
                    "Success rate per day",
                    "bar",
                    "success",
                    data_type="boolean",
                    time_period="day",
                    aggregation="avg",
                ),
                _widget("Topics", "pie", "topic"),
                _widget(
                    "Calls per agent",
                    "bar",
                    "agent_id",
                    data_type="numeric",
                    time_period="week",
                    aggregation="count",
                    group_by={"type": "field", "field": "agent.id"},
                ),
            ],
        },
        {
            "name": "Billing quality",
            "project": 2,
            "filters": {"field": "timestamp", "op": "gte", "value": "today-14d"},
            "widgets": [
                _widget("Quality summary", "stat"),
                _widget(
                    "Accuracy per call",
                    "line",
                    "metric_evaluations.value",
                    data_type="dynamic",
                    metric=m(2, "Accuracy"),
                ),
                _widget(
                    "Customer satisfaction per week",
                    "bar",
                    "metric_evaluations.value",
                    metric=m(2, "Customer Satisfaction"),
                    time_period="week",
                    aggregation="avg",
                ),
                _widget("Sentiment", "pie", "metric_evaluations.value", metric=m(2, "Sentiment")),
                _widget(
                    "Payment outcome",
                    "pie",
                    "metric_evaluations.value",
                    metric=m(2, "Payment Outcome"),
                ),
                _widget(
                    "Issue resolved",
                    "pie",
                    "metric_evaluations.value",
                    metric=m(2, "Issue Resolved"),
                ),
                _widget(
                    "Accurate calls (accuracy at least 0.9), per day",
                    "bar",
                    "duration",
                    time_period="day",
                    aggregation="count",
                    filters={
                        "operator": "same_row",
                        "conditions": [
                            {
                                "field": "metric_evaluations.metric.name",
                                "op": "eq",
                                "value": "Accuracy",
                            },
                            {"field": "metric_evaluations.value", "op": "gte", "value": 0.9},
                        ],
                    },
                ),
                _widget(
                    "Satisfaction p95 by day bucket",
                    "bar",
                    "metric_evaluations.value",
                    metric=m(2, "Customer Satisfaction"),
                    time_period="day",
                    aggregation="p95",
                    group_by=day_bucket,
                ),
            ],
        },
        {
            "name": "Long calls last week",
            "project": 1,
            "filters": _and(
                {"field": "duration", "op": "gt", "value": 60},
                _ts("now-7d"),
            ),
            "widgets": [
                _widget("Long calls", "stat"),
                _widget(
                    "Max duration per day", "bar", "duration", time_period="day", aggregation="max"
                ),
                _widget(
                    "Min duration per day", "bar", "duration", time_period="day", aggregation="min"
                ),
                _widget(
                    "Total talk time per day",
                    "bar",
                    "duration",
                    time_period="day",
                    aggregation="sum",
                ),
                _widget(
                    "Median duration per hour",
                    "bar",
                    "duration",
                    time_period="hour",
                    aggregation="p50",
                ),
                _widget(
                    "p99 duration per week",
                    "bar",
                    "duration",
                    time_period="week",
                    aggregation="p99",
                ),
                _widget("Drop-off points", "pie", "dropoff_point", data_type="string"),
            ],
        },
        {
            "name": "Sales agents compared",
            "project": 3,
            "filters": _and(
                _ts("now-30d"),
                {"field": "agent.id", "op": "in", "value": [7, 8]},
            ),
            "widgets": [
                _widget("Sales calls", "stat"),
                _widget(
                    "Duration by agent",
                    "bar",
                    "duration",
                    time_period="day",
                    aggregation="avg",
                    group_by={"type": "field", "field": "agent.id"},
                ),
                _widget(
                    "Interruptions",
                    "line",
                    "metric_evaluations.value",
                    metric=m(3, "Interruptions"),
                ),
                _widget("Reviewed calls", "pie", "is_reviewed", data_type="boolean"),
                _widget(
                    "Calls per month", "bar", "duration", time_period="month", aggregation="count"
                ),
                _widget("Plans", "pie", "metadata.plan", data_type="string"),
            ],
        },
        {
            "name": "EU region, all projects",
            "project": None,
            "filters": _and(
                _ts("now-7d"),
                {"field": "metadata.region", "op": "eq", "value": "eu-west"},
            ),
            "widgets": [
                _widget("EU calls", "stat"),
                _widget("EU calls by organisation", "pie", "metadata.org_name"),
                _widget(
                    "EU duration per day",
                    "bar",
                    "duration",
                    time_period="day",
                    aggregation="avg",
                    group_by={"type": "field", "field": "metadata.plan"},
                ),
                _widget(
                    "EU success per day", "bar", "success", time_period="day", aggregation="count"
                ),
            ],
        },
        {
            "name": "Errors and drop-offs",
            "project": 2,
            "filters": _and(
                _ts("now-3d"),
                {
                    "operator": "or",
                    "conditions": [
                        {
                            "field": "call_ended_reason",
                            "op": "in",
                            "value": ["pipeline-error", "silence-timed-out"],
                        },
                        {"field": "dropoff_point", "op": "isnull", "value": False},
                        {"field": "success", "op": "eq", "value": False},
                    ],
                },
            ),
            "widgets": [
                _widget("Problem calls", "stat"),
                _widget("End reasons", "pie", "call_ended_reason"),
                _widget(
                    "Problem calls per hour",
                    "bar",
                    "call_ended_reason",
                    time_period="hour",
                    aggregation="count",
                ),
                _widget(
                    "Where callers dropped off",
                    "bar",
                    "dropoff_point",
                    time_period="day",
                    aggregation="count",
                    group_by={"type": "field", "field": "dropoff_point"},
                ),
                _widget(
                    "Billing Bot errors",
                    "pie",
                    "topic",
                    filters={"field": "agent.agent_name", "op": "contains", "value": "billing"},
                ),
            ],
        },
        {
            "name": "Scratchpad (no project)",
            "project": None,
            "filters": None,
            "widgets": [],
        },
    ]


def _insert_dashboards(
    conn: sqlite3.Connection, anchor: datetime, metrics: list[tuple[Any, ...]]
) -> None:
    for index, dashboard in enumerate(demo_dashboards(metrics)):
        stamp = iso(anchor - timedelta(days=20 - index, minutes=index * 7))
        cursor = conn.execute(
            "INSERT INTO dashboards(name, project_id, filters, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                dashboard["name"],
                dashboard["project"],
                dump_json(dashboard["filters"]),
                stamp,
                stamp,
            ),
        )
        dashboard_id = cursor.lastrowid
        conn.executemany(
            "INSERT INTO widgets(dashboard_id, name, filters, chart_type, data_type, field, "
            "metric_id, time_period, aggregation_function, group_by, metadata, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    dashboard_id,
                    w["name"],
                    dump_json(w["filters"]),
                    w["chart_type"],
                    w["data_type"],
                    w["field"],
                    w["metric"],
                    w["time_period"],
                    w["aggregation_function"],
                    dump_json(w["group_by"]),
                    dump_json(w["metadata"]),
                    stamp,
                    stamp,
                )
                for w in dashboard["widgets"]
            ],
        )
