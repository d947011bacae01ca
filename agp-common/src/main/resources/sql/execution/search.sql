-- The executions of one query_id (and hash, and creator, when given) in some statuses, in the order that
-- ExecutionQueries.SearchOrder puts in place of ORDER_BY (a fixed fragment, never user text).
select *
from executions
where query_id = :queryId
  and (cast(:queryHash as text) is null or query_hash = :queryHash)
  and status = any (string_to_array(:statuses, ','))
  and (cast(:createdBy as text) is null or created_by = :createdBy)
order by ORDER_BY
limit :limit
