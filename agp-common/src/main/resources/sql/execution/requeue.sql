-- Gives an attempt back (transient failure, shutdown): another claim may take it after :delayMillis.
update executions
set status           = 'PENDING',
    updated_at       = now(),
    worker_id        = null,
    lease_expires_at = null,
    run_after        = now() + :delayMillis * interval '1 millisecond',
    error            = :error
where id = :id and attempt = :attempt and status = 'RUNNING'
