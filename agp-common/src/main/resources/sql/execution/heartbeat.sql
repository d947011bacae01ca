-- Renews the lease, and records progress when there is some, only while the attempt still owns
-- the execution.
update executions
set lease_expires_at      = now() + :leaseMillis * interval '1 millisecond',
    updated_at            = now(),
    progress_rows         = coalesce(cast(:rows as bigint), progress_rows),
    progress_bytes        = coalesce(cast(:bytes as bigint), progress_bytes),
    progress_total_rows   = coalesce(cast(:totalRows as bigint), progress_total_rows),
    progress_elapsed_ms   = coalesce(cast(:elapsedMillis as bigint), progress_elapsed_ms),
    progress_memory_bytes = coalesce(cast(:memoryBytes as bigint), progress_memory_bytes)
where id = :id and attempt = :attempt and status = 'RUNNING'
