package io.agp.api.console;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.agp.api.ApiProperties;
import java.util.Set;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ResponseBody;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.annotation.JsonNaming;

/**
 * The web console's entry points: {@code /} and {@code /ui} lead to {@code /ui/}, which is the
 * console's one page; its scripts and styles are static files under {@code /ui/} (see {@code
 * static/ui/}), and everything it shows comes from the public API, called by the browser. {@code
 * /ui/config.json} tells the page how users sign in.
 */
@Controller
class ConsolePages {

  private static final Resource PAGE = new ClassPathResource("static/ui/index.html");
  private static final Set<String> TOKENS = Set.of("access", "id");

  private final ConsoleConfig config;

  ConsolePages(ApiProperties properties) {
    ApiProperties.Oidc oidc = properties.ui().oidc();
    if (oidc.enabled()) {
      if (oidc.clientId().isBlank()) {
        throw new IllegalStateException(
            "agp.api.ui.oidc.issuer is set: agp.api.ui.oidc.client-id must be too");
      }
      if (!TOKENS.contains(oidc.token())) {
        throw new IllegalStateException("agp.api.ui.oidc.token must be access or id");
      }
    }
    this.config =
        new ConsoleConfig(
            oidc.enabled()
                ? new OidcConfig(
                    oidc.issuer().toString(), oidc.clientId(), oidc.scopes(), oidc.token())
                : null);
  }

  /** What the page needs to know before its first call of the API. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  record ConsoleConfig(OidcConfig oidc) {}

  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  record OidcConfig(String issuer, String clientId, String scopes, String token) {}

  @GetMapping({"/", "/ui"})
  String toConsole() {
    return "redirect:/ui/";
  }

  @GetMapping("/ui/")
  ResponseEntity<Resource> page() {
    return ResponseEntity.ok()
        .contentType(MediaType.TEXT_HTML)
        .cacheControl(CacheControl.noCache())
        .body(PAGE);
  }

  @GetMapping(path = "/ui/config.json", produces = MediaType.APPLICATION_JSON_VALUE)
  @ResponseBody
  ConsoleConfig config() {
    return config;
  }
}
