-- Up to :limit PENDING executions of a tier, highest priority first, then oldest; rows another
-- claimer holds are skipped, so concurrent workers never claim the same execution.
-- With :maxRunningPerUser > 0, a user already running that many executions of the tier is passed
-- over, and no more of one user's executions are taken than the room left under the limit. Claims
-- under a limit run after lock_tier_claims.sql in the same transaction, one at a time per tier, so
-- that each counts the RUNNING rows of the claims before it.
with candidates as materialized (
    select e.id, e.created_by, e.priority, e.created_at
    from executions e
    where e.status = 'PENDING'
      and e.tier = :tier
      and e.run_after <= now()
      and (:maxRunningPerUser <= 0
        or (select count(*)
            from executions r
            where r.status = 'RUNNING'
              and r.tier = e.tier
              and r.created_by = e.created_by) < :maxRunningPerUser)
    order by e.priority desc, e.created_at, e.id
    limit :limit
    for update skip locked),
within_limit as (
    select c.id,
           row_number() over (partition by c.created_by
                              order by c.priority desc, c.created_at, c.id) as nth,
           (select count(*)
            from executions r
            where r.status = 'RUNNING'
              and r.tier = :tier
              and r.created_by = c.created_by) as running
    from candidates c)
update executions
set status           = 'RUNNING',
    attempt          = attempt + 1,
    worker_id        = :workerId,
    picked_at        = now(),
    updated_at       = now(),
    lease_expires_at = now() + :leaseMillis * interval '1 millisecond',
    progress_rows = null, progress_bytes = null, progress_total_rows = null,
    progress_elapsed_ms = null, progress_memory_bytes = null
where id in (select id
             from within_limit
             where :maxRunningPerUser <= 0
                or running + nth <= :maxRunningPerUser)
returning *
