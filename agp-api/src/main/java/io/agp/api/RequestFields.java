package io.agp.api;

import io.agp.execution.QueryHash;
import io.agp.execution.ResultFormat;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.springframework.util.unit.DataSize;

/**
 * Checks of the fields that creates of executions and schedules share (a name, labels, maps of
 * strings), so that both refuse alike.
 */
public final class RequestFields {

  /** Labels are for filtering, not for data: bounded so that a page of executions stays small. */
  public static final int MAX_LABELS = 64;

  public static final int MAX_LABEL_KEY_LENGTH = 128;
  public static final int MAX_LABEL_VALUE_LENGTH = 1024;

  /** The longest name of an execution or a schedule. */
  public static final int MAX_NAME_LENGTH = 200;

  private RequestFields() {}

  /** The SQL of a create, normalized: 400 when it is empty, 413 when it is over {@code max}. */
  public static String sql(String raw, DataSize max) {
    String sql = raw == null ? "" : QueryHash.normalize(raw);
    if (sql.isEmpty()) {
      throw new InvalidRequestException("sql", "the SQL text is empty");
    }
    if (sql.getBytes(StandardCharsets.UTF_8).length > max.toBytes()) {
      throw new SqlTooLargeException(max);
    }
    return sql;
  }

  /** The result format a create names, the default when it names none: 400 when unknown. */
  public static ResultFormat format(String name) {
    return name == null
        ? ResultFormat.DEFAULT
        : ResultFormat.find(name)
            .orElseThrow(
                () -> new InvalidRequestException("format", "unknown format '" + name + "'"));
  }

  /**
   * A name is optional; given, it has 1 to {@value #MAX_NAME_LENGTH} characters, none a control.
   */
  public static String checkName(String name) {
    if (name == null) {
      return null;
    }
    String stripped = name.strip();
    if (stripped.isEmpty()
        || stripped.length() > MAX_NAME_LENGTH
        || stripped.chars().anyMatch(Character::isISOControl)) {
      throw new InvalidRequestException(
          "name", "a name has 1 to " + MAX_NAME_LENGTH + " characters and no control characters");
    }
    return stripped;
  }

  /** JSON lets a map value be null; labels and parameters are strings, so it is a 400. */
  public static void requireStringValues(String field, Map<String, String> values) {
    if (values == null) {
      return;
    }
    for (Map.Entry<String, String> entry : values.entrySet()) {
      if (entry.getValue() == null) {
        throw new InvalidRequestException(
            field + "." + entry.getKey(), "the values of " + field + " must be strings, not null");
      }
    }
  }

  public static void checkLabels(Map<String, String> labels) {
    if (labels == null) {
      return;
    }
    if (labels.size() > MAX_LABELS) {
      throw new InvalidRequestException("labels", "at most " + MAX_LABELS + " labels");
    }
    for (Map.Entry<String, String> label : labels.entrySet()) {
      if (label.getKey().isEmpty() || label.getKey().length() > MAX_LABEL_KEY_LENGTH) {
        throw new InvalidRequestException(
            "labels", "a label name has 1 to " + MAX_LABEL_KEY_LENGTH + " characters");
      }
      if (label.getValue().length() > MAX_LABEL_VALUE_LENGTH) {
        throw new InvalidRequestException(
            "labels." + label.getKey(),
            "a label value has at most " + MAX_LABEL_VALUE_LENGTH + " characters");
      }
    }
  }
}
