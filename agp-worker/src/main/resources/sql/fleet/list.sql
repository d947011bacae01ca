-- The live listener sessions of each of the given tiers, by pid: a worker's place in its tier is
-- the place of its own pid there. Sessions that ended are left out, whatever their rows say.
select t.tier, array_agg(w.pid order by w.pid) as pids
from worker_listeners w
join pg_stat_activity a on a.pid = w.pid and a.backend_start = w.backend_start
cross join lateral unnest(w.tiers) as t (tier)
where t.tier = any (cast(:tiers as text[]))
group by t.tier
