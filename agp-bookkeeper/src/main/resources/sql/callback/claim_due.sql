-- Claims up to :limit callbacks that are due, soonest first, for one attempt each: the attempt is
-- counted, and the callback is due again :leaseMillis later, so that if its sender dies before it
-- records the outcome, any bookkeeper tries again then. SKIP LOCKED lets several bookkeepers claim
-- at once, each taking other callbacks; the state is checked again on the locked row.
-- The due rows are chosen once, in a materialized CTE: as "id in (subquery)" a plan may run the
-- subquery again for each row of the outer scan, and each run locks :limit more rows.
with due as materialized (
    select id
    from executions
    where callback_state = 'pending'
      and callback_next_attempt_at <= now()
    order by callback_next_attempt_at
    limit :limit
    for update skip locked)
update executions e
set callback_attempts        = e.callback_attempts + 1,
    callback_next_attempt_at = now() + :leaseMillis * interval '1 millisecond'
from due
where e.id = due.id
  and e.callback_state = 'pending'
returning e.*
