-- Only once their objects are deleted; rows that changed meanwhile are left alone.
update executions
set status = 'EXPIRED', updated_at = now()
where id in (:ids)
  and status = 'SUCCEEDED'
  and expires_at < now()
