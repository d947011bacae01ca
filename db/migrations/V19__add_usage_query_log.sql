-- The usage of an interactive query (a sync run, a proxy query) on a tier that reads
-- system.query_log waits for ClickHouse's figures there when its answer did not carry final ones
-- (a server that sends no summary, an answer larger than the server's first buffer, a query that
-- failed or whose client left), as an execution's end does (V18): the API records the event with
-- the query's ClickHouse id, the bookkeeper fills in the logged figures or gives up on them after a
-- while, and the rollup (roll_up.sql) leaves the event alone until then.
alter table usage_events
    add column query_id         text,
    add column awaits_query_log boolean not null default false;

-- The few events awaiting their figures, for the bookkeeper's rounds.
create index usage_events_awaiting_idx on usage_events (id) where awaits_query_log;
