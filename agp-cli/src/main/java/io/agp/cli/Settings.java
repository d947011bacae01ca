package io.agp.cli;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * Where the API is and who calls it. Each setting comes from the first of: its option, its
 * environment variable, the chosen profile of the config file, the file's top-level keys, the
 * default.
 */
record Settings(URI url, @Nullable String token) {

  static final String DEFAULT_URL = "http://localhost:8888";

  /**
   * The config file: {@code $XDG_CONFIG_HOME/agp/config.properties}, by default under {@code
   * ~/.config} ({@code %APPDATA%} on Windows).
   */
  static Path configFile(Map<String, String> env) {
    String xdg = env.get("XDG_CONFIG_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "agp", "config.properties");
    }
    String appData = env.get("APPDATA");
    if (appData != null && System.getProperty("os.name", "").startsWith("Windows")) {
      return Path.of(appData, "agp", "config.properties");
    }
    String home = env.getOrDefault("HOME", System.getProperty("user.home"));
    return Path.of(home, ".config", "agp", "config.properties");
  }

  static Settings resolve(
      @Nullable String urlOption,
      @Nullable String tokenOption,
      @Nullable String profileOption,
      Map<String, String> env) {
    Path file = configFile(env);
    Properties config = load(file);
    String profile = first(profileOption, env.get("AGP_PROFILE"));
    if (profile != null
        && config.stringPropertyNames().stream().noneMatch(k -> k.startsWith(profile + "."))) {
      throw new CliException(ExitCode.USAGE, "no profile '" + profile + "' in " + file);
    }
    String url =
        first(urlOption, env.get("AGP_URL"), fromFile(config, profile, "url"), DEFAULT_URL);
    String token = first(tokenOption, env.get("AGP_TOKEN"), fromFile(config, profile, "token"));
    return new Settings(parseUrl(url), token);
  }

  private static URI parseUrl(String text) {
    String trimmed = text.strip();
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    try {
      URI url = URI.create(trimmed);
      if (("http".equals(url.getScheme()) || "https".equals(url.getScheme()))
          && url.getHost() != null
          && url.getQuery() == null
          && url.getFragment() == null) {
        return url;
      }
    } catch (IllegalArgumentException e) {
      // Told below, as for any other URL that is not one.
    }
    throw new CliException(
        ExitCode.USAGE, "the API's URL must be http(s)://host[:port][/path], not '" + text + "'");
  }

  private static Properties load(Path file) {
    Properties config = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      config.load(in);
    } catch (NoSuchFileException e) {
      // No file: options, the environment and defaults only.
    } catch (IOException | IllegalArgumentException e) {
      throw new CliException(ExitCode.USAGE, "cannot read " + file + ": " + e.getMessage(), e);
    }
    return config;
  }

  private static @Nullable String fromFile(
      Properties config, @Nullable String profile, String key) {
    String value = profile == null ? null : config.getProperty(profile + "." + key);
    return value != null ? value : config.getProperty(key);
  }

  private static @Nullable String first(@Nullable String... values) {
    for (String value : values) {
      if (value != null && !value.isBlank()) {
        return value.strip();
      }
    }
    return null;
  }
}
