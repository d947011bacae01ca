-- Folds the oldest :batch usage events into the hourly, daily and span rollups (V18) and deletes
-- them, in one statement: a bookkeeper that dies before its commit leaves every event where it
-- was, one that commits has counted each exactly once. Bookkeepers running it at once take
-- disjoint events (skip locked), and add their sums to the same rows in the order of their keys,
-- so that they cannot deadlock. Returns what was folded, per tier. (The inserts run whether or not
-- the last select reads them, as every data-modifying part of a WITH does.)
with taken as (
    delete from usage_events
    where id in (select id from usage_events order by id limit :batch for update skip locked)
    returning *),
figures as (
    select date_trunc('hour', at, 'UTC')                                      as hour,
           tier,
           owner,
           count(*) filter (where kind = 'execution' and outcome = 'succeeded') as executions_succeeded,
           count(*) filter (where kind = 'execution' and outcome = 'failed')    as executions_failed,
           count(*) filter (where kind = 'execution' and outcome = 'canceled')  as executions_canceled,
           count(*) filter (where kind = 'sync')                                as sync_runs,
           count(*) filter (where kind = 'chproxy')                             as proxy_queries,
           sum(read_rows)                                                       as read_rows,
           sum(read_bytes)                                                      as read_bytes,
           sum(result_bytes)                                                    as result_bytes,
           sum(downloaded_bytes)                                                as downloaded_bytes,
           sum(server_ms)                                                       as server_ms,
           max(peak_memory_bytes)                                               as peak_memory_bytes,
           sum(queue_ms)                                                        as queue_ms,
           count(*)                                                             as events
    from taken
    group by 1, 2, 3),
hours as (
    insert into usage_hours as u (hour, tier, owner, executions_succeeded, executions_failed,
                                  executions_canceled, sync_runs, proxy_queries, read_rows,
                                  read_bytes, result_bytes, downloaded_bytes, server_ms,
                                  peak_memory_bytes, queue_ms)
    select hour, tier, owner, executions_succeeded, executions_failed, executions_canceled,
           sync_runs, proxy_queries, read_rows, read_bytes, result_bytes, downloaded_bytes,
           server_ms, peak_memory_bytes, queue_ms
    from figures
    order by hour, tier, owner
    on conflict (hour, tier, owner) do update
        set executions_succeeded = u.executions_succeeded + excluded.executions_succeeded,
            executions_failed    = u.executions_failed + excluded.executions_failed,
            executions_canceled  = u.executions_canceled + excluded.executions_canceled,
            sync_runs            = u.sync_runs + excluded.sync_runs,
            proxy_queries        = u.proxy_queries + excluded.proxy_queries,
            read_rows            = u.read_rows + excluded.read_rows,
            read_bytes           = u.read_bytes + excluded.read_bytes,
            result_bytes         = u.result_bytes + excluded.result_bytes,
            downloaded_bytes     = u.downloaded_bytes + excluded.downloaded_bytes,
            server_ms            = u.server_ms + excluded.server_ms,
            peak_memory_bytes    = greatest(u.peak_memory_bytes, excluded.peak_memory_bytes),
            queue_ms             = u.queue_ms + excluded.queue_ms),
days as (
    insert into usage_days as u (day, tier, owner, executions_succeeded, executions_failed,
                                 executions_canceled, sync_runs, proxy_queries, read_rows,
                                 read_bytes, result_bytes, downloaded_bytes, server_ms,
                                 peak_memory_bytes, queue_ms)
    select cast(hour at time zone 'UTC' as date), tier, owner,
           sum(executions_succeeded), sum(executions_failed), sum(executions_canceled),
           sum(sync_runs), sum(proxy_queries), sum(read_rows), sum(read_bytes),
           sum(result_bytes), sum(downloaded_bytes), sum(server_ms), max(peak_memory_bytes),
           sum(queue_ms)
    from figures
    group by 1, 2, 3
    order by 1, 2, 3
    on conflict (day, tier, owner) do update
        set executions_succeeded = u.executions_succeeded + excluded.executions_succeeded,
            executions_failed    = u.executions_failed + excluded.executions_failed,
            executions_canceled  = u.executions_canceled + excluded.executions_canceled,
            sync_runs            = u.sync_runs + excluded.sync_runs,
            proxy_queries        = u.proxy_queries + excluded.proxy_queries,
            read_rows            = u.read_rows + excluded.read_rows,
            read_bytes           = u.read_bytes + excluded.read_bytes,
            result_bytes         = u.result_bytes + excluded.result_bytes,
            downloaded_bytes     = u.downloaded_bytes + excluded.downloaded_bytes,
            server_ms            = u.server_ms + excluded.server_ms,
            peak_memory_bytes    = greatest(u.peak_memory_bytes, excluded.peak_memory_bytes),
            queue_ms             = u.queue_ms + excluded.queue_ms),
spans as (
    insert into usage_spans as u (span_days, first_day, tier, owner, executions_succeeded,
                                  executions_failed, executions_canceled, sync_runs, proxy_queries,
                                  read_rows, read_bytes, result_bytes, downloaded_bytes, server_ms,
                                  peak_memory_bytes, queue_ms)
    select s.span_days, d.day - (d.day - date '1970-01-01') % s.span_days, f.tier, f.owner,
           sum(executions_succeeded), sum(executions_failed), sum(executions_canceled),
           sum(sync_runs), sum(proxy_queries), sum(read_rows), sum(read_bytes),
           sum(result_bytes), sum(downloaded_bytes), sum(server_ms), max(peak_memory_bytes),
           sum(queue_ms)
    from figures f
    cross join lateral (select cast(f.hour at time zone 'UTC' as date) as day) d
    cross join (values (4), (16), (64)) as s (span_days)
    group by 1, 2, 3, 4
    order by 1, 2, 3, 4
    on conflict (span_days, first_day, tier, owner) do update
        set executions_succeeded = u.executions_succeeded + excluded.executions_succeeded,
            executions_failed    = u.executions_failed + excluded.executions_failed,
            executions_canceled  = u.executions_canceled + excluded.executions_canceled,
            sync_runs            = u.sync_runs + excluded.sync_runs,
            proxy_queries        = u.proxy_queries + excluded.proxy_queries,
            read_rows            = u.read_rows + excluded.read_rows,
            read_bytes           = u.read_bytes + excluded.read_bytes,
            result_bytes         = u.result_bytes + excluded.result_bytes,
            downloaded_bytes     = u.downloaded_bytes + excluded.downloaded_bytes,
            server_ms            = u.server_ms + excluded.server_ms,
            peak_memory_bytes    = greatest(u.peak_memory_bytes, excluded.peak_memory_bytes),
            queue_ms             = u.queue_ms + excluded.queue_ms)
-- What was folded, per tier, for the bookkeeper's metrics.
select tier,
       sum(events)                                                      as events,
       sum(executions_succeeded + executions_failed + executions_canceled) as executions,
       sum(sync_runs + proxy_queries)                                   as interactive,
       sum(read_bytes)                                                  as read_bytes,
       sum(server_ms)                                                   as server_ms
from figures
group by tier
