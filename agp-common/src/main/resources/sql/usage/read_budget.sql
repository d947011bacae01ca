-- What :owner and the whole :tier (owner '') have spent of their budgets on :day (a UTC day), as
-- charge_budget.sql counts it, without counting a run: the runs started and the bytes read and
-- server time of usage_days. A row that does not exist yet reads as nothing spent. The tier's row
-- is read only when it has a budget of its own (:tierWide).
select o.owner,
       coalesce(b.runs, 0)       as runs,
       coalesce(u.read_bytes, 0) as read_bytes,
       coalesce(u.server_ms, 0)  as server_ms
from (values (cast(:owner as text)), ('')) as o(owner)
left join budget_days b
    on b.day = cast(:day as date) and b.tier = :tier and b.owner = o.owner
left join lateral (
    select sum(d.read_bytes) as read_bytes, sum(d.server_ms) as server_ms
    from usage_days d
    where d.day = cast(:day as date)
      and d.tier = :tier
      and (o.owner = '' or d.owner = o.owner)) u on true
where o.owner = :owner or cast(:tierWide as boolean)
