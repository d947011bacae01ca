-- The totals over a range of UTC days per user or per tier: the caller's own (:owner) or
-- everyone's (null, an admin), of one tier or all; the peak memory is the largest of the range.
-- UsageQueries puts fixed fragments in place of GROUP_COLUMNS and GROUP_KEY (the user, or the
-- tier, with the other column null) and of ORDER_BY (nothing: key order; or a figure, highest
-- first: an admin's top N). The range is read as a few spans of days and the single days at its
-- edges (io.agp.usage.DaySpans: the first days of the spans of each length, and the single days,
-- as arrays the planner sees the length of), each a bitmap scan of its rollup's primary key, then
-- one hash aggregate per key: 90 days of 1,000 users are some 10,000 rows, where the days alone
-- would be 90,000.
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
from parts
where (cast(:tier as text) is null or tier = :tier)
  and (cast(:owner as text) is null or owner = :owner)
group by GROUP_KEY
order by ORDER_BY GROUP_KEY
limit :limit
