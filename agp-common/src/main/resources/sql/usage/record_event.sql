-- One interactive query (a sync run or a proxy query) or one result download, recorded by the API
-- as it ends; the bookkeeper folds it into the rollups (roll_up.sql).
insert into usage_events (tier, owner, kind, outcome, read_rows, read_bytes, result_bytes,
                          downloaded_bytes, server_ms, peak_memory_bytes)
values (:tier, :owner, :kind, cast(:outcome as text), :readRows, :readBytes, :resultBytes,
        :downloadedBytes, :serverMillis, :peakMemoryBytes)
