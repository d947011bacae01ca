-- Up to :limit PENDING executions of a tier, fair across users. Highest priority first; then each
-- row scores the RUNNING executions of its user in the tier plus its own place among that user's
-- claimable rows (1 for the oldest), lowest score first: the users with the fewest RUNNING go first.
-- Equal scores go by the time each row has waited for its turn: since it was created, or since its
-- user's last claim if that came later. Without that, a tier that runs one execution at a time
-- would see no user RUNNING at each claim and serve a backlog to its end before a newer execution
-- of another user; with it, one user's backlog delays another user's execution by one claim at most.
-- Rows another claimer holds are skipped, so concurrent workers never claim the same execution.
-- With :maxRunningPerUser > 0, a user already running that many executions of the tier is passed
-- over, and no more of one user's executions are taken than the room left under the limit. Claims
-- under a limit run after lock_tier_claims.sql in the same transaction, one at a time per tier, so
-- that each counts the RUNNING rows of the claims before it.
--
-- The cost does not grow with the size of a backlog: the users with PENDING rows are found with one
-- index probe each (a loose index scan), and at most :limit + :lookahead rows of each user are read.
-- It grows with the number of users waiting in the tier: a few index probes for each of them.
with recursive waiting_users (created_by) as (
    (select e.created_by
     from executions e
     where e.status = 'PENDING'
       and e.tier = :tier
     order by e.created_by
     limit 1)
    union all
    select (select e.created_by
            from executions e
            where e.status = 'PENDING'
              and e.tier = :tier
              and e.created_by > u.created_by
            order by e.created_by
            limit 1)
    from waiting_users u
    where u.created_by is not null),
ranked as (
    select p.id, p.priority, p.created_at,
           r.running + p.nth as score,
           greatest(p.created_at, l.last_picked_at) as waiting_since
    from waiting_users u
    cross join lateral (
        select count(*) as running
        from executions x
        where x.status = 'RUNNING'
          and x.tier = :tier
          and x.created_by = u.created_by) r
    cross join lateral (
        select max(x.picked_at) as last_picked_at
        from executions x
        where x.picked_at is not null
          and x.tier = :tier
          and x.created_by = u.created_by) l
    -- A user's rows in the order of the final ranking. One claim takes :limit rows at most; the
    -- :lookahead rows after them are for the claimers that ranked the same rows at the same
    -- instant (as many as were woken together), so that each finds the rows after those the others
    -- lock instead of coming back empty. Under the per-user limit claims take turns, and the room
    -- left is the bound.
    cross join lateral (
        select e.id, e.priority, e.created_at,
               row_number() over (order by e.priority desc, e.created_at, e.id) as nth
        from executions e
        where e.status = 'PENDING'
          and e.tier = :tier
          and e.created_by = u.created_by
          and e.run_after <= now()
        order by e.priority desc, e.created_at, e.id
        limit case
                  when :maxRunningPerUser > 0
                      then greatest(least(:limit, :maxRunningPerUser - r.running), 0)
                  else :limit + :lookahead
              end) p
    where u.created_by is not null),
claimable as (
    -- The ranked rows one by one, in rank order, until :limit are locked: an array keeps the order,
    -- and the lateral look-up by id keeps the plan from reading the PENDING rows of the tier in bulk
    -- when its statistics are stale (a queue's are, most of the time). The status is checked again
    -- on the locked row: a claim that committed since this statement began has made it RUNNING.
    -- It is written "is true" so that no index on PENDING rows matches it: a plan made while few
    -- rows were PENDING would otherwise look each id up by reading such an index whole, and keep
    -- doing so once a backlog has filled it.
    select e.id
    from unnest(array(select c.id
                      from ranked c
                      order by c.priority desc, c.score, c.waiting_since, c.created_at, c.id))
             with ordinality as t (id, place)
    cross join lateral (
        select x.id
        from executions x
        where x.id = t.id
          and (x.status = 'PENDING') is true
        for update skip locked) e
    order by t.place
    limit :limit)
update executions
set status           = 'RUNNING',
    attempt          = attempt + 1,
    worker_id        = :workerId,
    picked_at        = now(),
    updated_at       = now(),
    lease_expires_at = now() + :leaseMillis * interval '1 millisecond',
    progress_rows = null, progress_bytes = null, progress_total_rows = null,
    progress_elapsed_ms = null, progress_memory_bytes = null, progress_peak_memory_bytes = null
where id in (select id from claimable)
returning *
