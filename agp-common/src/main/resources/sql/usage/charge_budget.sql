-- Counts one run of :owner on :tier on :day (a UTC day) against its budgets: adds one to the
-- user's row of budget_days and, when the tier has a budget of its own (:tierWide), to the tier's
-- row (owner ''), and returns each row's runs with that day's bytes read and server time from
-- usage_days (the user's row, or for the tier the sum of its users'). The rows stay locked until
-- the caller's transaction ends, so two API instances charging the same budget take turns and
-- each sees the other's run: PostgreSQL decides. The caller refuses a run past a budget by rolling
-- back, which takes the one away again. The tier's row comes first ('' sorts first), as in every
-- charge, so that two charges never wait on each other in opposite orders.
with charged as (
    insert into budget_days as b (day, tier, owner, runs)
    select cast(:day as date), :tier, o.owner, 1
    from (values (cast(:owner as text)), ('')) as o(owner)
    where o.owner = :owner or cast(:tierWide as boolean)
    order by o.owner
    on conflict (day, tier, owner) do update set runs = b.runs + 1
    returning b.owner, b.runs)
select c.owner,
       c.runs,
       coalesce(u.read_bytes, 0) as read_bytes,
       coalesce(u.server_ms, 0)  as server_ms
from charged c
left join lateral (
    select sum(d.read_bytes) as read_bytes, sum(d.server_ms) as server_ms
    from usage_days d
    where d.day = cast(:day as date)
      and d.tier = :tier
      and (c.owner = '' or d.owner = c.owner)) u on true
