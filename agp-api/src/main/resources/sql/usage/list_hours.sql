-- The usage of the hours from :from (included) to :to (excluded), one row per hour, tier and user,
-- from the hourly rollup (kept for agp.bookkeeper.usage.hour-retention): the caller's own (:owner)
-- or everyone's (null, an admin), of one tier or all. UsageQueries puts a fixed fragment in place
-- of ORDER_BY: nothing (hour, tier, user order) or a figure, highest first.
select cast(null as date)                                                 as day,
       hour,
       tier,
       owner,
       executions_succeeded + executions_failed + executions_canceled     as executions,
       executions_succeeded,
       executions_failed,
       executions_canceled,
       sync_runs,
       proxy_queries,
       read_rows,
       read_bytes,
       result_bytes,
       downloaded_bytes,
       server_ms,
       peak_memory_bytes,
       queue_ms
from usage_hours
where hour >= :from
  and hour < :to
  and (cast(:tier as text) is null or tier = :tier)
  and (cast(:owner as text) is null or owner = :owner)
order by ORDER_BY hour, tier, owner
limit :limit
