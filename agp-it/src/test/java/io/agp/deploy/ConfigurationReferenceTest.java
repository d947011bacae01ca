package io.agp.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.ApiProperties;
import io.agp.bookkeeper.BookkeeperProperties;
import io.agp.callback.CallbackProperties;
import io.agp.results.ResultStoreProperties;
import io.agp.tier.TierProperties;
import io.agp.worker.WorkerProperties;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The configuration reference ({@code docs/configuration.md}) cannot drift from the code: every key
 * its table names is one a properties class binds, and every key those classes bind is in the
 * table. Keys are read off the records as Spring binds them (components in kebab case, nested
 * records as dotted groups, a map's keys as {@code <name>}).
 */
class ConfigurationReferenceTest {

  private static final Path REFERENCE =
      Path.of(System.getProperty("user.dir")).getParent().resolve("docs/configuration.md");

  /** The properties classes of the three apps, and the one tier of {@code agp.tiers.<tier>}. */
  private static final Map<String, Class<?>> ROOTS =
      Map.of(
          prefix(ApiProperties.class),
          ApiProperties.class,
          prefix(WorkerProperties.class),
          WorkerProperties.class,
          prefix(BookkeeperProperties.class),
          BookkeeperProperties.class,
          prefix(CallbackProperties.class),
          CallbackProperties.class,
          prefix(ResultStoreProperties.class),
          ResultStoreProperties.class,
          "agp.tiers.<name>",
          TierProperties.class);

  /** Keys bound elsewhere than in a properties record (a @Value). */
  private static final Set<String> OTHER_KEYS = Set.of("agp.notifications.url");

  private static final Pattern ROW = Pattern.compile("^\\| `(agp\\.[^`]+)`((?: / `[^`]+`)*) \\|");
  private static final Pattern SIBLING = Pattern.compile("`([^`]+)`");

  @Test
  void theReferenceNamesEveryBoundKeyAndNoOther() throws Exception {
    Set<String> documented = documented();
    Set<String> bound = new TreeSet<>(OTHER_KEYS);
    ROOTS.forEach((prefix, type) -> collect(prefix, type, bound));

    Set<String> undocumented = new TreeSet<>(bound);
    undocumented.removeAll(documented);
    Set<String> unknown = new TreeSet<>(documented);
    unknown.removeAll(bound);
    assertThat(undocumented)
        .as("keys the apps bind that docs/configuration.md leaves out")
        .isEmpty();
    assertThat(unknown).as("keys docs/configuration.md names that no app binds").isEmpty();
  }

  @Test
  void aKeyLeftOutOfTheReferenceOrMisspeltIsFound() throws Exception {
    Set<String> bound = new TreeSet<>();
    ROOTS.forEach((prefix, type) -> collect(prefix, type, bound));
    assertThat(bound)
        .contains(
            "agp.api.per-user.downloads",
            "agp.tiers.<name>.changeable-settings",
            "agp.tiers.<name>.settings.<name>",
            "agp.api.auth.role-tiers.<name>");
    assertThat(documented()).contains("agp.api.rate-limit.burst").doesNotContain("agp.api.burst");
  }

  /** The keys of the reference's table, siblings ({@code / `burst`}) expanded. */
  private static Set<String> documented() throws Exception {
    Set<String> keys = new TreeSet<>();
    for (String line : Files.readAllLines(REFERENCE)) {
      Matcher row = ROW.matcher(line);
      if (!row.find()) {
        continue;
      }
      String first = normalized(row.group(1));
      keys.add(first);
      String parent = first.substring(0, first.lastIndexOf('.') + 1);
      Matcher sibling = SIBLING.matcher(row.group(2));
      while (sibling.find()) {
        keys.add(normalized(parent + sibling.group(1)));
      }
    }
    return keys;
  }

  /** Any {@code <tier>}, {@code <role>}... as {@code <name>}. */
  private static String normalized(String key) {
    return key.replaceAll("<[a-z-]+>", "<name>");
  }

  private static String prefix(Class<?> type) {
    return type.getAnnotation(ConfigurationProperties.class).value();
  }

  private static void collect(String prefix, Type type, Set<String> keys) {
    Class<?> raw = raw(type);
    if (raw.isRecord() && raw.getName().startsWith("io.agp.")) {
      for (RecordComponent component : raw.getRecordComponents()) {
        collect(prefix + "." + kebab(component.getName()), component.getGenericType(), keys);
      }
      return;
    }
    if (Map.class.isAssignableFrom(raw) && type instanceof ParameterizedType map) {
      Type value = map.getActualTypeArguments()[1];
      if (raw(value).isRecord() && raw(value).getName().startsWith("io.agp.")) {
        collect(prefix + ".<name>", value, keys);
      } else {
        keys.add(prefix + ".<name>");
      }
      return;
    }
    keys.add(prefix);
  }

  private static Class<?> raw(Type type) {
    return type instanceof ParameterizedType parameterized
        ? (Class<?>) parameterized.getRawType()
        : (Class<?>) type;
  }

  private static String kebab(String name) {
    return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
  }
}
