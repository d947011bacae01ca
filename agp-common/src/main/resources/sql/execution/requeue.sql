-- Gives an attempt back (transient failure, shutdown): another claim may take it after :delayMillis.
-- The reason joins the attempt's record, so that a later FAILED tells what each attempt met.
-- Returns whether the execution is watched.
update executions
set status           = 'PENDING',
    updated_at       = now(),
    worker_id        = null,
    lease_expires_at = null,
    run_after        = now() + :delayMillis * interval '1 millisecond',
    error            = :error,
    attempt_errors   = attempt_errors
        || jsonb_build_array('attempt ' || attempt || ': ' || cast(:error as text))
where id = :id and attempt = :attempt and status = 'RUNNING'
returning watched
