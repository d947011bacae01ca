-- The schedule due longest ago (at :now), locked until the claiming transaction ends; schedules
-- another bookkeeper has locked are skipped, and so are those this round gave up on (:passed).
-- The claimer creates the run and moves next_run_at on (record_run.sql) in the same transaction,
-- so that a run is created once whatever the number of bookkeepers.
select s.*, cast(null as text) as last_status
from schedules s
where not s.paused
  and s.next_run_at <= :now
  and s.id <> all (:passed)
order by s.next_run_at, s.id
limit 1
for update skip locked
