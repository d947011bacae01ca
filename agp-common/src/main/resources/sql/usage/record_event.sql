-- One interactive query (a sync run or a proxy query) or one result download, recorded by the API
-- as it ends; the bookkeeper folds it into the rollups (roll_up.sql). A query whose figures are to
-- come from system.query_log names its ClickHouse :queryId and awaits them.
insert into usage_events (tier, owner, kind, outcome, read_rows, read_bytes, result_bytes,
                          downloaded_bytes, server_ms, peak_memory_bytes, query_id,
                          awaits_query_log)
values (:tier, :owner, :kind, cast(:outcome as text), :readRows, :readBytes, :resultBytes,
        :downloadedBytes, :serverMillis, :peakMemoryBytes, cast(:queryId as text),
        :awaitsQueryLog)
