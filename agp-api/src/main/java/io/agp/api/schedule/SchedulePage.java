package io.agp.api.schedule;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A page of schedules, newest first.
 *
 * @param nextCursor the cursor of the next page; absent on the last
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record SchedulePage(List<ScheduleView> schedules, String nextCursor) {}
