-- How many schedules a user has, paused or not: what the limit per user counts.
select count(*) from schedules where owner = :owner
