-- The totals over the hours from :from (included) to :to (excluded) per user or per tier, from
-- the hourly rollup: the caller's own (:owner) or everyone's (null, an admin), of one tier or all.
-- UsageQueries puts fixed fragments in place of GROUP_COLUMNS, GROUP_KEY and ORDER_BY, as for
-- sum_days.sql.
select cast(null as date)        as day,
       cast(null as timestamptz) as hour,
       GROUP_COLUMNS,
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
from usage_hours
where hour >= :from
  and hour < :to
  and (cast(:tier as text) is null or tier = :tier)
  and (cast(:owner as text) is null or owner = :owner)
group by GROUP_KEY
order by ORDER_BY GROUP_KEY
limit :limit
