-- Each user's totals over a range of UTC days, from the daily rollup: the caller's own (:owner) or
-- everyone's (null, an admin), of one tier or all; the peak memory is the largest of the range.
-- UsageQueries puts a fixed fragment in place of ORDER_BY: nothing (user order) or a figure,
-- highest first (an admin's top N). An index scan of the primary key's day range, then one hash
-- aggregate per user: its cost follows the rows of those days, never the executions.
select cast(null as date)        as day,
       cast(null as timestamptz) as hour,
       cast(null as text)        as tier,
       owner,
       sum(executions_succeeded + executions_failed + executions_canceled) as executions,
       sum(executions_succeeded)                                            as executions_succeeded,
       sum(executions_failed)                                               as executions_failed,
       sum(executions_canceled)                                             as executions_canceled,
       sum(sync_runs)                                                       as sync_runs,
       sum(proxy_queries)                                                   as proxy_queries,
       sum(read_rows)                                                       as read_rows,
       sum(read_bytes)                                                      as read_bytes,
       sum(result_bytes)                                                    as result_bytes,
       sum(downloaded_bytes)                                                as downloaded_bytes,
       sum(server_ms)                                                       as server_ms,
       max(peak_memory_bytes)                                               as peak_memory_bytes,
       sum(queue_ms)                                                        as queue_ms
from usage_days
where day between :from and :to
  and (cast(:tier as text) is null or tier = :tier)
  and (cast(:owner as text) is null or owner = :owner)
group by owner
order by ORDER_BY owner
limit :limit
