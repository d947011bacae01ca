-- Cancels the in-flight execution of a query_id (for a tier and share key) when it runs another
-- query hash and :owner created it (any creator when :owner is null: an admin): the first half of
-- a create with replace=true, in the same transaction as the insert that follows.
update executions
set status           = 'CANCELED',
    completed_at     = now(),
    updated_at       = now(),
    lease_expires_at = null,
    parameters       = null,
    error            = 'replaced by a newer execution of the same query_id'
where tier = :tier
  and share_key = :shareKey
  and query_id = :queryId
  and status in ('PENDING', 'RUNNING')
  and query_hash <> :queryHash
  and (cast(:owner as text) is null or created_by = :owner)
returning *
