-- The in-flight execution that holds a query_id for a tier and share key, if any.
select *
from executions
where tier = :tier
  and share_key = :shareKey
  and query_id = :queryId
  and status in ('PENDING', 'RUNNING')
