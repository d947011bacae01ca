-- The rollup rows past their retention: hours older than :hourRetentionMillis, days older than
-- :dayRetentionDays whole UTC days before today and spans that end before those, and the budgets'
-- run counts of days before yesterday. Returns how many rows of hours, days and budgets went.
with hours as (
    delete from usage_hours
    where hour < now() - :hourRetentionMillis * interval '1 millisecond'
    returning 1),
days as (
    delete from usage_days
    where day < cast(now() at time zone 'UTC' as date) - cast(:dayRetentionDays as integer)
    returning 1),
spans as (
    delete from usage_spans
    where first_day + span_days
          <= cast(now() at time zone 'UTC' as date) - cast(:dayRetentionDays as integer)
    returning 1),
budgets as (
    delete from budget_days
    where day < cast(now() at time zone 'UTC' as date) - 1
    returning 1)
select (select count(*) from hours) as hours,
       (select count(*) from days) as days,
       (select count(*) from budgets) as budgets
