-- The rollup rows past their retention: hours older than :hourRetentionMillis, days (and the
-- budgets' run counts) older than :dayRetentionDays whole UTC days before today. Returns how many
-- rows of each went.
with hours as (
    delete from usage_hours
    where hour < now() - :hourRetentionMillis * interval '1 millisecond'
    returning 1),
days as (
    delete from usage_days
    where day < cast(now() at time zone 'UTC' as date) - cast(:dayRetentionDays as integer)
    returning 1),
budgets as (
    delete from budget_days
    where day < cast(now() at time zone 'UTC' as date) - 1
    returning 1)
select (select count(*) from hours) as hours,
       (select count(*) from days) as days,
       (select count(*) from budgets) as budgets
