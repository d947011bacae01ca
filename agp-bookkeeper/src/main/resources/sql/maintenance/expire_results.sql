-- Only once their objects are deleted; rows that changed meanwhile are left alone. A result kept in
-- the row goes with the status.
update executions
set status = 'EXPIRED', updated_at = now(), result_inline = null
where id in (:ids)
  and status = 'SUCCEEDED'
  and expires_at < now()
