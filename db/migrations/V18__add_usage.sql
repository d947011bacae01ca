-- Usage per user, tier and hour or day (io.agp.usage). What happened is written once, as it
-- happens, into usage_events: the end of an execution (by a trigger, like the callback outbox of
-- V9), an interactive query (sync run or proxy) and a result download (by the API). The bookkeeper
-- folds the events into usage_hours and usage_days and deletes them, in one statement, so an event
-- is counted exactly once even when a bookkeeper dies in the middle (the statement rolls back), and
-- no request ever scans the executions table to answer a usage question.
create table usage_events (
    id                bigint generated always as identity primary key,
    -- When it happened, by the database's clock: the hour and the UTC day it counts in.
    at                timestamptz not null default now(),
    tier              text        not null,
    owner             text        not null,
    -- execution (an execution ended), sync (a synchronous run), chproxy (a proxy query),
    -- download (a result was downloaded).
    kind              text        not null,
    -- succeeded, failed or canceled for a query; null for a download.
    outcome           text,
    read_rows         bigint      not null default 0,
    read_bytes        bigint      not null default 0,
    result_bytes      bigint      not null default 0,
    downloaded_bytes  bigint      not null default 0,
    server_ms         bigint      not null default 0,
    peak_memory_bytes bigint      not null default 0,
    queue_ms          bigint      not null default 0,
    constraint usage_events_kind_check check (kind in ('execution', 'sync', 'chproxy', 'download')),
    constraint usage_events_outcome_check
        check (outcome is null or outcome in ('succeeded', 'failed', 'canceled'))
);

-- The rollups: one row per hour (kept a short while, for "the last hour") and one per UTC day
-- (kept for agp.bookkeeper.usage.retention), per tier and user. Figures add up, but the peak
-- memory, which is the largest of one query's peaks.
create table usage_hours (
    hour                 timestamptz not null,
    tier                 text        not null,
    owner                text        not null,
    executions_succeeded bigint      not null default 0,
    executions_failed    bigint      not null default 0,
    executions_canceled  bigint      not null default 0,
    sync_runs            bigint      not null default 0,
    proxy_queries        bigint      not null default 0,
    read_rows            bigint      not null default 0,
    read_bytes           bigint      not null default 0,
    result_bytes         bigint      not null default 0,
    downloaded_bytes     bigint      not null default 0,
    server_ms            bigint      not null default 0,
    peak_memory_bytes    bigint      not null default 0,
    queue_ms             bigint      not null default 0,
    primary key (hour, tier, owner)
);

create table usage_days (like usage_hours including defaults);
alter table usage_days drop column hour;
alter table usage_days add column day date not null;
alter table usage_days add primary key (day, tier, owner);

-- The usage of one user over a range of days (the caller's own page): the primary key serves the
-- admin's questions, which span every user of a range of days.
create index usage_days_owner_idx on usage_days (owner, day);

-- The same figures over spans of 4, 16 and 64 days, each span starting on a day whose distance from
-- 1970-01-01 it divides: a range of days is a few spans plus a few days at its edges (io.agp.usage.
-- DaySpans), so the totals of 90 days read 5 to 10 times fewer rows than the days themselves.
create table usage_spans (like usage_hours including defaults);
alter table usage_spans drop column hour;
alter table usage_spans add column span_days integer not null;
alter table usage_spans add column first_day date not null;
alter table usage_spans add constraint usage_spans_span_check check (span_days in (4, 16, 64));
alter table usage_spans add primary key (span_days, first_day, tier, owner);

-- Budgets: the runs (executions created, sync runs, proxy queries) a user and a whole tier started
-- on a UTC day, counted by the statement that admits a run (charge_budget.sql), so that two API
-- instances enforce one count: the row lock orders them and PostgreSQL decides. The owner '' is the
-- tier as a whole. Bytes read and server time come from usage_days.
create table budget_days (
    day   date   not null,
    tier  text   not null,
    owner text   not null,
    runs  bigint not null default 0,
    primary key (day, tier, owner)
);

-- The outbox of usage: an execution's end is recorded by the update that ends it, in the same
-- transaction, whatever statement that is (a worker's complete or fail, a cancel, a replace, the
-- bookkeeper's requeue past the attempts). When ClickHouse's figures are still to come from
-- system.query_log, the event waits for them: it is written by the update that records them, or
-- gives up on them. An ended execution is never counted twice (the condition needs a change from
-- in flight or from awaiting), and never lost after a crash.
create function executions_record_usage() returns trigger
    language plpgsql as
$$
begin
    insert into usage_events (at, tier, owner, kind, outcome, read_rows, read_bytes, result_bytes,
                              server_ms, peak_memory_bytes, queue_ms)
    values (coalesce(new.completed_at, now()), new.tier, new.created_by, 'execution',
            lower(new.status),
            coalesce(new.stats_read_rows, 0),
            coalesce(new.stats_read_bytes, 0),
            case when new.status = 'SUCCEEDED' then coalesce(new.result_bytes, 0) else 0 end,
            coalesce(new.stats_elapsed_ms, 0),
            greatest(coalesce(new.stats_peak_memory_bytes, 0),
                     coalesce(new.progress_peak_memory_bytes, 0)),
            case
                when new.picked_at is null then 0
                else greatest(0, (extract(epoch from new.picked_at - new.created_at) * 1000)::bigint)
            end);
    return null;
end;
$$;

create trigger executions_record_usage
    after update on executions
    for each row
    when (new.status in ('SUCCEEDED', 'FAILED', 'CANCELED')
        and not new.stats_await_query_log
        and (old.status not in ('SUCCEEDED', 'FAILED', 'CANCELED') or old.stats_await_query_log))
    execute function executions_record_usage();
