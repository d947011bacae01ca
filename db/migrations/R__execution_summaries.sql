-- The lists and searches read the executions through this view: every column but the SQL, which is
-- cut to what a list shows, and a result kept in the row (V20), which a list does not show: its
-- column is there, always null, so that one mapping reads both. A repeatable migration: Flyway runs it after the versioned ones, and
-- again whenever this file changes, so that a new column of executions is added here alone (the
-- view is made anew: a view's columns may otherwise only be added at its end). It replaces the
-- definitions V7, V9, V10, V11 and V13 made in turn.
drop view if exists execution_summaries;

create view execution_summaries as
select id, query_id, query_hash, left(sql, 4097) as sql, format, tier, created_by, labels,
       priority, status, attempt, max_attempts, collapsed_count, created_at, updated_at,
       run_after, picked_at, completed_at, worker_id, lease_expires_at, progress_rows,
       progress_bytes, progress_total_rows, progress_elapsed_ms, progress_memory_bytes,
       result_key, result_rows, result_bytes, result_columns, result_compression,
       result_duration_ms, expires_at, error, attempt_errors, share_key, quota_key,
       callback_url, callback_state, callback_attempts, callback_queued_at,
       callback_next_attempt_at, callback_last_status, callback_last_error, callback_delivered_at,
       stats_read_rows, stats_read_bytes, stats_peak_memory_bytes, stats_elapsed_ms, stats_source,
       stats_await_query_log, progress_peak_memory_bytes, watched, name,
       cast(null as bytea) as result_inline
from executions;
