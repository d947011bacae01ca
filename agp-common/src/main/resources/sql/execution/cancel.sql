update executions
set status           = 'CANCELED',
    completed_at     = now(),
    updated_at       = now(),
    lease_expires_at = null,
    parameters       = null
where id = :id and status in ('PENDING', 'RUNNING')
returning *
