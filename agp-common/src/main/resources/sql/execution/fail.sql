-- Ends the attempt FAILED, with ClickHouse's figures of the query when there are some. After
-- earlier attempts that were requeued, the error tells the reason of each attempt in order, the
-- last one being :error. Returns whether the execution is watched.
update executions
set status                  = 'FAILED',
    completed_at            = now(),
    updated_at              = now(),
    lease_expires_at        = null,
    parameters              = null,
    attempt_errors          = attempt_errors
        || jsonb_build_array('attempt ' || attempt || ': ' || cast(:error as text)),
    error                   = case
                                  when jsonb_array_length(attempt_errors) = 0 then cast(:error as text)
                                  else (select string_agg(reason, '; ' order by n)
                                        from jsonb_array_elements_text(attempt_errors
                                            || jsonb_build_array('attempt ' || attempt || ': '
                                                || cast(:error as text)))
                                            with ordinality as reasons(reason, n))
                              end,
    stats_read_rows         = :statsReadRows,
    stats_read_bytes        = :statsReadBytes,
    stats_peak_memory_bytes = :statsPeakMemoryBytes,
    stats_elapsed_ms        = :statsElapsedMillis,
    stats_source            = :statsSource,
    stats_await_query_log   = :awaitQueryLog
where id = :id and attempt = :attempt and status = 'RUNNING'
returning watched
