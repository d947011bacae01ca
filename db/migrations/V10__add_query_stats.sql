-- ClickHouse's own figures of an ended query (SUCCEEDED or FAILED): rows and bytes read, peak
-- memory and run time, and where they come from: 'summary' (the X-ClickHouse-Summary header of
-- the answer), 'query_log' (system.query_log, read by the bookkeeper once ClickHouse has written
-- it) or 'progress' (the last reading of system.processes while the query ran).
alter table executions
    add column stats_read_rows         bigint,
    add column stats_read_bytes        bigint,
    add column stats_peak_memory_bytes bigint,
    add column stats_elapsed_ms        bigint,
    add column stats_source            text,
    -- Set by the worker where the tier reads system.query_log and the figures are not final yet;
    -- cleared by the bookkeeper once it found them there, or gave up.
    add column stats_await_query_log   boolean not null default false,
    add constraint executions_stats_source_check
        check (stats_source in ('summary', 'query_log', 'progress'));

-- find_awaiting_query_log.sql: ended executions whose figures the bookkeeper looks up in
-- system.query_log, oldest first. A handful at any time: the index stays small.
create index executions_await_query_log_idx
    on executions (completed_at)
    where stats_await_query_log;

-- typical_duration.sql: the last successful runs of a query hash in a tier and share key, newest
-- first, with their durations read from the index alone.
create index executions_duration_history_idx
    on executions (query_hash, tier, share_key, completed_at desc)
    include (result_duration_ms)
    where result_duration_ms is not null;

-- list.sql and search.sql map the new columns too (see V7). "or replace" keeps the columns the
-- view has and only appends: it fails rather than drop a column another migration added.
create or replace view execution_summaries as
select id, query_id, query_hash, left(sql, 4097) as sql, format, tier, created_by, labels,
       priority, status, attempt, max_attempts, collapsed_count, created_at, updated_at,
       run_after, picked_at, completed_at, worker_id, lease_expires_at, progress_rows,
       progress_bytes, progress_total_rows, progress_elapsed_ms, progress_memory_bytes,
       result_key, result_rows, result_bytes, result_columns, result_compression,
       result_duration_ms, expires_at, error, attempt_errors, share_key, quota_key,
       callback_url, callback_state, callback_attempts, callback_queued_at,
       callback_next_attempt_at, callback_last_status, callback_last_error, callback_delivered_at,
       stats_read_rows, stats_read_bytes, stats_peak_memory_bytes, stats_elapsed_ms, stats_source,
       stats_await_query_log
from executions;
