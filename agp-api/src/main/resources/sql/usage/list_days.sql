-- The usage of a range of UTC days, one row per day, tier and user, from the daily rollup: the
-- caller's own (:owner) or everyone's (null, an admin), of one tier or all. UsageQueries puts a
-- fixed fragment in place of ORDER_BY: nothing (day, tier, user order) or a figure, highest first.
-- The day range is the primary key's first column: an index scan of those days, whatever the users.
select day,
       cast(null as timestamptz)                                          as hour,
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
from usage_days
where day between :from and :to
  and (cast(:tier as text) is null or tier = :tier)
  and (cast(:owner as text) is null or owner = :owner)
order by ORDER_BY day, tier, owner
limit :limit
