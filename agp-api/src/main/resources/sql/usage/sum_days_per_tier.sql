-- Each tier's totals over a range of UTC days: of the caller alone (:owner) or of everyone (null,
-- an admin), read as sum_days_per_user.sql reads it (spans of days and single days). UsageQueries
-- puts a fixed fragment in place of ORDER_BY: nothing (tier order) or a figure, highest first.
with parts as (
    select tier, owner, executions_succeeded, executions_failed, executions_canceled, sync_runs,
           proxy_queries, read_rows, read_bytes, result_bytes, downloaded_bytes, server_ms,
           peak_memory_bytes, queue_ms
    from usage_spans
    where (span_days = 4 and first_day = any (cast(:fours as date[])))
       or (span_days = 16 and first_day = any (cast(:sixteens as date[])))
       or (span_days = 64 and first_day = any (cast(:sixtyFours as date[])))
    union all
    select tier, owner, executions_succeeded, executions_failed, executions_canceled, sync_runs,
           proxy_queries, read_rows, read_bytes, result_bytes, downloaded_bytes, server_ms,
           peak_memory_bytes, queue_ms
    from usage_days
    where day = any (cast(:days as date[])))
select cast(null as date)        as day,
       cast(null as timestamptz) as hour,
       tier,
       cast(null as text)        as owner,
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
from parts
where (cast(:tier as text) is null or tier = :tier)
  and (cast(:owner as text) is null or owner = :owner)
group by tier
order by ORDER_BY tier
limit :limit
