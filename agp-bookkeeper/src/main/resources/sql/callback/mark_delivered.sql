-- Records the attempt that a 2xx answered. Fenced by the attempt: a sender whose attempt was taken
-- for lost, and claimed again by another, changes nothing.
update executions
set callback_state           = 'delivered',
    callback_delivered_at    = now(),
    callback_next_attempt_at = null,
    callback_last_status     = :status,
    callback_last_error      = null
where id = :id
  and callback_attempts = :attempt
  and callback_state = 'pending'
