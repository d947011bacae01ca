package io.agp.execution;

import java.util.Arrays;
import java.util.Optional;

/** The ClickHouse output formats a result may be stored in. */
public enum ResultFormat {
  JSON("application/json", "json"),
  JSONEachRow("application/x-ndjson", "jsonl"),
  CSV("text/csv", "csv"),
  CSVWithNames("text/csv", "csv"),
  TSV("text/tab-separated-values", "tsv"),
  TSVWithNames("text/tab-separated-values", "tsv"),
  TSVWithNamesAndTypes("text/tab-separated-values", "tsv");

  public static final ResultFormat DEFAULT = JSON;

  private final String contentType;
  private final String extension;

  ResultFormat(String contentType, String extension) {
    this.contentType = contentType;
    this.extension = extension;
  }

  public String contentType() {
    return contentType;
  }

  public String extension() {
    return extension;
  }

  /** The format of that name, ignoring case (ClickHouse itself is strict about it). */
  public static Optional<ResultFormat> find(String name) {
    return Arrays.stream(values()).filter(f -> f.name().equalsIgnoreCase(name)).findFirst();
  }
}
