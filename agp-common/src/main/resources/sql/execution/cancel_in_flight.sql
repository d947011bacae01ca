-- Cancels the in-flight execution of a query_id when it runs another query hash: the first half
-- of a create with replace=true, in the same transaction as the insert that follows.
update executions
set status           = 'CANCELED',
    completed_at     = now(),
    updated_at       = now(),
    lease_expires_at = null,
    parameters       = null,
    error            = 'replaced by a newer execution of the same query_id'
where query_id = :queryId
  and status in ('PENDING', 'RUNNING')
  and query_hash <> :queryHash
returning *
