-- Takes a worker's listener out of the fleet as it stops claiming, and tells the other workers, so
-- that no more executions are dealt to it while it drains.
with gone as (
    delete from worker_listeners
    where pid = :pid
      and worker_id = :workerId
    returning pid)
select pg_notify('agp_workers_changed', '') as notified
from gone
