-- The schedules that run and the paused ones: the gauges of the bookkeeper.
select count(*) filter (where not paused) as active,
       count(*) filter (where paused) as paused
from schedules
