-- The usage of an interactive query (a sync run, a proxy query) on a tier that reads
-- system.query_log waits for ClickHouse's figures there when its answer did not carry final ones
-- (a server that sends no summary, an answer larger than the server's first buffer, a query that
-- failed or whose client left), as an execution's end does (V18). The API records such a query
-- here, with its ClickHouse id, rather than in usage_events; the bookkeeper moves it into
-- usage_events with the logged figures, or with its own once it gives up on them, in one
-- statement: the journal holds only final events, and the fold (roll_up.sql) never looks at one
-- that waits.
create table usage_awaiting_query_log (
    id                bigint generated always as identity primary key,
    -- When the API saw it end, by the database's clock: the hour and the UTC day it counts in.
    at                timestamptz not null default now(),
    query_id          text        not null,
    tier              text        not null,
    owner             text        not null,
    kind              text        not null,
    outcome           text        not null,
    read_rows         bigint      not null default 0,
    read_bytes        bigint      not null default 0,
    result_bytes      bigint      not null default 0,
    server_ms         bigint      not null default 0,
    peak_memory_bytes bigint      not null default 0,
    constraint usage_awaiting_query_log_kind_check check (kind in ('sync', 'chproxy')),
    constraint usage_awaiting_query_log_outcome_check
        check (outcome in ('succeeded', 'failed', 'canceled'))
);
