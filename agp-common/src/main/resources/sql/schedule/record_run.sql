-- Records a run of a schedule and when the next is due, if it is still the run due at :due (and
-- the schedule still runs): zero rows means another bookkeeper already ran it.
update schedules
set next_run_at       = :nextRunAt,
    last_run_at       = :ranAt,
    last_execution_id = cast(:executionId as bigint),
    last_outcome      = :outcome,
    last_error        = cast(:error as text)
where id = :id
  and next_run_at = :due
  and not paused
