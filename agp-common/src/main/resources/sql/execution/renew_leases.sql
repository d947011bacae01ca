-- Renews the leases of several running attempts in one statement (a worker's heartbeat of a tier
-- pool): row i of the arrays is one attempt. A lease is renewed only while its attempt still owns
-- the execution; the rows are locked in id order, so that two such statements cannot wait on each
-- other. Returns the ids renewed: an attempt missing from them has lost its execution. Progress is
-- recorded apart (record_progress.sql), more often, and never holds up a renewal.
with owned as (
    select e.id, s.attempt
    from unnest(cast(:ids as bigint[]), cast(:attempts as integer[])) as s (id, attempt)
    join executions e on e.id = s.id
    where e.attempt = s.attempt
      and e.status = 'RUNNING'
    order by e.id
    for update of e)
update executions e
set lease_expires_at = now() + :leaseMillis * interval '1 millisecond'
from owned o
where e.id = o.id
  and e.attempt = o.attempt
  and e.status = 'RUNNING'
returning e.id
