-- One interactive query whose figures are to come from system.query_log, recorded by the API as it
-- ends with those its answer gave and its ClickHouse :queryId; the bookkeeper moves it into
-- usage_events (record_query_log_figures.sql, stop_awaiting_query_log.sql).
insert into usage_awaiting_query_log (query_id, tier, owner, kind, outcome, read_rows, read_bytes,
                                      result_bytes, server_ms, peak_memory_bytes)
values (:queryId, :tier, :owner, :kind, :outcome, :readRows, :readBytes, :resultBytes,
        :serverMillis, :peakMemoryBytes)
