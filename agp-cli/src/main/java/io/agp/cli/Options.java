package io.agp.cli;

import io.agp.client.model.Format;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Option values the commands share, as people type them. */
final class Options {

  private static final Pattern AGE = Pattern.compile("(\\d+)\\s*([smhd]?)");

  private Options() {}

  /** The file of {@code -o}; null for standard output ({@code -} or none). */
  static @Nullable Path outputFile(@Nullable String output) {
    return output == null || output.equals("-") ? null : Path.of(output);
  }

  /** An I/O failure in a few words, without the exception's class. */
  static String why(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  /** A format by the name the API uses (CSVWithNames), in any case. */
  static final class FormatConverter implements ITypeConverter<Format> {
    @Override
    public Format convert(String value) {
      return Arrays.stream(Format.values())
          .filter(f -> f != Format.UNKNOWN_DEFAULT_OPEN_API)
          .filter(f -> f.getValue().equalsIgnoreCase(value))
          .findFirst()
          .orElseThrow(
              () ->
                  new TypeConversionException(
                      "'" + value + "' is not a format: " + String.join(", ", new Formats())));
    }
  }

  /** The formats, for help and shell completion. */
  static final class Formats implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return Arrays.stream(Format.values())
          .filter(f -> f != Format.UNKNOWN_DEFAULT_OPEN_API)
          .map(Format::getValue)
          .iterator();
    }
  }

  /** Seconds: 600, 90s, 10m, 2h, 1d. */
  static final class AgeConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      Matcher m = AGE.matcher(value.strip().toLowerCase(Locale.ROOT));
      if (!m.matches()) {
        throw new TypeConversionException("'" + value + "' is not an age: 600, 90s, 10m, 2h, 1d");
      }
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "m" -> n * 60;
        case "h" -> n * 3600;
        case "d" -> n * 86400;
        default -> n;
      };
    }
  }

  /** An instant: 2025-01-01T00:00:00Z, or an age before now (90s, 10m, 2h, 1d). */
  static final class InstantConverter implements ITypeConverter<OffsetDateTime> {
    @Override
    public OffsetDateTime convert(String value) {
      try {
        return OffsetDateTime.parse(value);
      } catch (DateTimeParseException notAnInstant) {
        try {
          long seconds = new AgeConverter().convert(value);
          return Instant.now().minus(Duration.ofSeconds(seconds)).atOffset(ZoneOffset.UTC);
        } catch (TypeConversionException notAnAge) {
          throw new TypeConversionException(
              "'" + value + "' is neither an instant (2025-01-01T00:00:00Z) nor an age (2h)");
        }
      }
    }
  }
}
