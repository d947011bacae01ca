-- Renews the lease, only while the attempt still owns the execution. Progress is recorded apart
-- (record_progress.sql), more often, and never holds up a renewal.
update executions
set lease_expires_at = now() + :leaseMillis * interval '1 millisecond'
where id = :id and attempt = :attempt and status = 'RUNNING'
