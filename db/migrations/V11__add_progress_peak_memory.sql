-- The most memory the query has used so far, kept with each progress sample (system.processes'
-- peak_memory_usage), so that a progress sample reads back as it was taken.
alter table executions
    add column progress_peak_memory_bytes bigint;

-- list.sql and search.sql read executions through this view: it gains the new column at its end.
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
       stats_await_query_log, progress_peak_memory_bytes
from executions;
