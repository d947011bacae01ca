package io.agp.api.console;

import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The web console's entry points: {@code /} and {@code /ui} lead to {@code /ui/}, which is the
 * console's one page; its scripts and styles are static files under {@code /ui/} (see {@code
 * static/ui/}), and everything it shows comes from the public API, called by the browser.
 */
@Controller
class ConsolePages {

  private static final Resource PAGE = new ClassPathResource("static/ui/index.html");

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
}
