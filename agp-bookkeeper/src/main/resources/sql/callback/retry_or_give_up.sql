-- Records an attempt that no 2xx answered: the callback is due again after :delayMillis, unless
-- that is more than :maxAgeMillis after it was queued, when it is given up ('failed'). Fenced by
-- the attempt, like mark_delivered.sql. Returns the callback's new state.
update executions e
set callback_state           = case when n.next_at > e.callback_queued_at
                                                        + :maxAgeMillis * interval '1 millisecond'
                                    then 'failed' else 'pending' end,
    callback_next_attempt_at = case when n.next_at > e.callback_queued_at
                                                        + :maxAgeMillis * interval '1 millisecond'
                                    then null else n.next_at end,
    callback_last_status     = cast(:status as integer),
    callback_last_error      = cast(:error as text)
from (select now() + :delayMillis * interval '1 millisecond' as next_at) n
where e.id = :id
  and e.callback_attempts = :attempt
  and e.callback_state = 'pending'
returning e.callback_state
