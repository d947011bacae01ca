update executions
set status           = 'FAILED',
    completed_at     = now(),
    updated_at       = now(),
    lease_expires_at = null,
    parameters       = null,
    error            = :error
where id = :id and attempt = :attempt and status = 'RUNNING'
