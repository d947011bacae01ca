-- The newest SUCCEEDED, unexpired execution of a query_id and hash, for a tier and share key, that
-- completed within :maxAgeMillis: a create that accepts a result this fresh gets it instead of a
-- new run.
select *
from executions
where query_id = :queryId
  and query_hash = :queryHash
  and tier = :tier
  and share_key = :shareKey
  and status = 'SUCCEEDED'
  and expires_at > now()
  and completed_at >= now() - :maxAgeMillis * interval '1 millisecond'
order by completed_at desc, id desc
limit 1
