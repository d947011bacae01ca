-- Cancels a PENDING or RUNNING execution that :owner created (any, when :owner is null: an admin).
update executions
set status           = 'CANCELED',
    completed_at     = now(),
    updated_at       = now(),
    lease_expires_at = null,
    parameters       = null
where id = :id
  and status in ('PENDING', 'RUNNING')
  and (cast(:owner as text) is null or created_by = :owner)
returning *
