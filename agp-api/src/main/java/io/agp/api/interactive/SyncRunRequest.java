package io.agp.api.interactive;

import java.util.Map;

/**
 * The JSON body of a synchronous run; a text/plain body is the SQL alone.
 *
 * @param format the ClickHouse format of the answer; JSON by default, and JSON with events
 * @param parameters values of the query's {@code {name:Type}} parameters
 */
record SyncRunRequest(String sql, String tier, String format, Map<String, String> parameters) {}
