-- The place of a PENDING execution in its tier's queue: 1 + the PENDING executions the claim
-- (claim.sql) would take before it. No row when it is not PENDING.
--
-- The claim ranks the claimable rows of a tier by priority; then by score, the RUNNING executions
-- of the row's user in the tier plus the row's place in that user's queue (priority, age, id); then
-- by the time the row has waited for its turn (since it was created, or since its user's last
-- claim if that came later); then age and id. This counts the rows that rank before the target:
-- of each user with PENDING rows, those of a higher priority, and those of the same priority whose
-- score is lower, or equal with an earlier tie-break. A user's rows of a lower score are a prefix
-- of that user's queue, no longer than the target's score minus the user's RUNNING count, so only
-- that prefix (and one row more, for the tie) is read. The work grows with the waiting users (a few
-- index probes each, the loose index scan of claim.sql) and with the position itself, not with the
-- rows queued behind the target. Rows waiting out a retry backoff are not claimable, and count
-- neither here nor in the claim; the target itself is counted as if it were claimable.
with recursive target as (
    select t.id, t.tier, t.created_by, t.priority, t.created_at
    from executions t
    where t.id = :id
      and t.status = 'PENDING'),
-- Computed once: every user's laterals below read its score, and inlined it would count the
-- target's user's queue again for each of them (200 ms instead of 6 ms for the last of 5,501).
own as materialized (
    select t.id, t.tier, t.priority, t.created_at,
           r.running + 1 + a.higher + a.older as score,
           greatest(t.created_at, l.last_picked_at) as waiting_since
    from target t
    cross join lateral (
        select count(*) as running
        from executions x
        where x.status = 'RUNNING'
          and x.tier = t.tier
          and x.created_by = t.created_by) r
    cross join lateral (
        select max(x.picked_at) as last_picked_at
        from executions x
        where x.picked_at is not null
          and x.tier = t.tier
          and x.created_by = t.created_by) l
    -- Two range scans of the user's queue, each reading only rows before the target.
    cross join lateral (
        select (select count(*)
                from executions e
                where e.status = 'PENDING'
                  and e.tier = t.tier
                  and e.created_by = t.created_by
                  and e.priority > t.priority
                  and e.run_after <= now()) as higher,
               (select count(*)
                from executions e
                where e.status = 'PENDING'
                  and e.tier = t.tier
                  and e.created_by = t.created_by
                  and e.priority = t.priority
                  and (e.created_at, e.id) < (t.created_at, t.id)
                  and e.run_after <= now()) as older) a),
waiting_users (created_by) as (
    (select e.created_by
     from executions e
     where e.status = 'PENDING'
       and e.tier = (select tier from target)
     order by e.created_by
     limit 1)
    union all
    select (select e.created_by
            from executions e
            where e.status = 'PENDING'
              and e.tier = (select tier from target)
              and e.created_by > u.created_by
            order by e.created_by
            limit 1)
    from waiting_users u
    where u.created_by is not null)
select o.id,
       1 + coalesce(sum(f.first + greatest(h.higher - greatest(o.score - r.running, 0), 0)), 0)
           as queue_position
from own o
cross join waiting_users u
cross join lateral (
    select count(*) as running
    from executions x
    where x.status = 'RUNNING'
      and x.tier = o.tier
      and x.created_by = u.created_by) r
cross join lateral (
    select max(x.picked_at) as last_picked_at
    from executions x
    where x.picked_at is not null
      and x.tier = o.tier
      and x.created_by = u.created_by) l
-- The user's rows of a higher priority: all of them rank before the target.
-- Ordered as the index of the claim, so that with sorts disabled (see ExecutionQueries) that
-- index serves this range too.
cross join lateral (
    select count(*) as higher
    from (select 1
          from executions e
          where e.status = 'PENDING'
            and e.tier = o.tier
            and e.created_by = u.created_by
            and e.priority > o.priority
            and e.run_after <= now()
          order by e.priority desc, e.created_at, e.id) e) h
-- The head of the user's queue, up to the row whose score equals the target's: those that rank
-- before it. The higher-priority rows among them are counted here, the rest of them above.
cross join lateral (
    select count(*) filter (
               where p.priority > o.priority
                  or (p.priority = o.priority
                      and (r.running + p.nth < o.score
                           or (r.running + p.nth = o.score
                               and (greatest(p.created_at, l.last_picked_at), p.created_at, p.id)
                                   < (o.waiting_since, o.created_at, o.id))))) as first
    from (select e.id, e.priority, e.created_at,
                 row_number() over (order by e.priority desc, e.created_at, e.id) as nth
          from executions e
          where e.status = 'PENDING'
            and e.tier = o.tier
            and e.created_by = u.created_by
            and e.run_after <= now()
          order by e.priority desc, e.created_at, e.id
          limit greatest(o.score - r.running, 0)) p) f
where u.created_by is not null
group by o.id
