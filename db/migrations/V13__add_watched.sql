-- Whether a request of an API instance waits for this execution to change (a create or get with
-- wait, a live event stream): only then are its changes announced on agp_execution_changed. Every
-- announcement wakes every listening backend of the database, the workers' included (PostgreSQL
-- signals all listeners, whatever their channel), and costs each a transaction; an execution nobody
-- watches is not worth that. Set by the create that waits, or by the first watcher, before it reads.
alter table executions add column watched boolean not null default false;

-- The lists read the executions through this view (SQL cut to what a list shows); it gains the
-- new column, last, as a view's columns may only be added at its end.
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
       stats_await_query_log, progress_peak_memory_bytes, watched
from executions;
