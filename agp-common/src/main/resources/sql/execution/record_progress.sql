-- The latest progress samples of several running attempts in one statement: row i of the arrays is
-- one attempt's sample. A row changes only while its attempt still owns the execution. Rows another
-- transaction holds are skipped rather than waited for: a sample is worth little a second later,
-- and the next round brings a new one. The rows are locked in id order, so that two such batches
-- cannot wait on each other. Returns the ids it changed, and whether each is watched.
with owned as (
    select e.id, s.attempt, s.rows, s.bytes, s.total_rows, s.elapsed_ms, s.memory_bytes,
           s.peak_memory_bytes
    from unnest(cast(:ids as bigint[]), cast(:attempts as integer[]), cast(:rows as bigint[]),
                cast(:bytes as bigint[]), cast(:totalRows as bigint[]),
                cast(:elapsedMillis as bigint[]), cast(:memoryBytes as bigint[]),
                cast(:peakMemoryBytes as bigint[]))
             as s (id, attempt, rows, bytes, total_rows, elapsed_ms, memory_bytes,
                   peak_memory_bytes)
    join executions e on e.id = s.id
    where e.attempt = s.attempt
      and e.status = 'RUNNING'
    order by e.id
    for update of e skip locked)
update executions e
set updated_at            = now(),
    progress_rows         = o.rows,
    progress_bytes        = o.bytes,
    progress_total_rows   = o.total_rows,
    progress_elapsed_ms   = o.elapsed_ms,
    progress_memory_bytes = o.memory_bytes,
    progress_peak_memory_bytes = o.peak_memory_bytes
from owned o
where e.id = o.id
  and e.attempt = o.attempt
  and e.status = 'RUNNING'
returning e.id, e.watched
