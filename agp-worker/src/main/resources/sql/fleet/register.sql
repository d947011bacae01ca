-- Registers the listener session that runs it, for the tiers its worker serves, deletes the rows of
-- sessions that have ended, and tells the other workers (who read the fleet again). Returns the
-- session's pid, the worker's place among the listeners once they have read it.
with ended as (
    delete from worker_listeners w
    where not exists (select 1
                      from pg_stat_activity a
                      where a.pid = w.pid
                        and a.backend_start = w.backend_start)),
me as (
    insert into worker_listeners (pid, backend_start, worker_id, tiers)
    select a.pid, a.backend_start, :workerId, cast(:tiers as text[])
    from pg_stat_activity a
    where a.pid = pg_backend_pid()
    returning pid)
select me.pid, pg_notify('agp_workers_changed', '') as notified
from me
