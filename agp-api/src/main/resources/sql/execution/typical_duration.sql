-- How long an execution's query usually runs: the median duration of the last :runs executions of
-- the same query hash, tier and share key that succeeded (and may have expired since), and how many
-- there were. Other users' runs count only where the tier shares executions between its users (one
-- share key), as they would collapse onto each other anyway.
select count(d.result_duration_ms) as runs,
       cast(percentile_cont(0.5) within group (order by d.result_duration_ms) as bigint)
           as median_ms
from executions t
cross join lateral (
    select e.result_duration_ms
    from executions e
    where e.query_hash = t.query_hash
      and e.tier = t.tier
      and e.share_key = t.share_key
      and e.result_duration_ms is not null
    order by e.completed_at desc
    limit :runs) d
where t.id = :id
