-- Up to :limit PENDING executions of a tier, highest priority first, then oldest; rows another
-- claimer holds are skipped, so concurrent workers never claim the same execution.
update executions
set status           = 'RUNNING',
    attempt          = attempt + 1,
    worker_id        = :workerId,
    picked_at        = now(),
    updated_at       = now(),
    lease_expires_at = now() + :leaseMillis * interval '1 millisecond',
    progress_rows = null, progress_bytes = null, progress_total_rows = null,
    progress_elapsed_ms = null, progress_memory_bytes = null
where id in (select id
             from executions
             where status = 'PENDING'
               and tier = :tier
               and run_after <= now()
             order by priority desc, created_at, id
             limit :limit
             for update skip locked)
returning *
