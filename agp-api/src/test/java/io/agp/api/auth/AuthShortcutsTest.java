package io.agp.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.security.web.firewall.StrictHttpFirewall;

/**
 * The two checks of every authenticated request that AGP makes with a loop rather than the
 * library's regular expression accept exactly what the library's accept: the bearer token of an
 * {@code Authorization} header, and the characters the firewall allows in a header's name and
 * value.
 */
class AuthShortcutsTest {

  private static final DefaultBearerTokenResolver LIBRARY = new DefaultBearerTokenResolver();

  /** The library's token for the header, or null where it finds none or refuses it. */
  private static String libraryToken(String authorization) {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/v1/async/executions/1");
    request.addHeader("Authorization", authorization);
    try {
      return LIBRARY.resolve(request);
    } catch (OAuth2AuthenticationException e) {
      return null;
    }
  }

  @Test
  void aBearerHeaderGivesTheTokenTheLibraryGives() {
    List<String> headers =
        new ArrayList<>(
            List.of(
                "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl",
                "bearer abc",
                "BEARER abc==",
                "Bearer a-b.c_d~e+f/g",
                "Bearer ",
                "Bearer",
                "Bearer =",
                "Bearer ==abc",
                "Bearer abc=def",
                "Bearer abc ",
                "Bearer  abc",
                "Bearer abc\n",
                "Bearer ab c",
                "Bearer\tabc",
                "Basic YWxpY2U6c2VjcmV0",
                "Bearerabc",
                "Bearer abc\u00e9",
                "Bearer abc!",
                "Token abc"));
    // And random headers over the token's characters and their near neighbours.
    String alphabet = "aZ09-._~+/= !\t\u00e9%,;:\"Bb";
    Random random = new Random(28);
    for (int i = 0; i < 5_000; i++) {
      StringBuilder header = new StringBuilder(random.nextBoolean() ? "Bearer " : "bEaReR ");
      int length = random.nextInt(12);
      for (int j = 0; j < length; j++) {
        header.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      headers.add(header.toString());
    }
    for (String header : headers) {
      assertThat(ProxyCredentials.wellFormedBearer(header))
          .as("[%s]", header)
          .isEqualTo(libraryToken(header));
    }
    assertThat(ProxyCredentials.wellFormedBearer(null)).isNull();
  }

  @Test
  void theFirewallAllowsTheHeaderCharactersItsExpressionsAllow() {
    List<String> texts = new ArrayList<>();
    // Every character of the first planes one by one (Latin-1, where Tomcat's headers live, C1
    // controls included), some unassigned ones, surrogates alone and in pairs.
    for (int c = 0; c < 0x3000; c++) {
      texts.add("a" + (char) c + "b");
    }
    texts.addAll(
        List.of("", "\t", "a\tb", "\u0378", "\uFFFF", "\uD800", "a\uD83D\uDE00b", "\uDE00\uD83D"));
    texts.add("x".repeat(300));
    for (String text : texts) {
      assertThat(SecurityConfiguration.assignedWithoutControls(text, true))
          .as("value %s", text.codePoints().boxed().toList())
          .isEqualTo(StrictHttpFirewall.ALLOWED_HEADER_VALUES.test(text));
      assertThat(SecurityConfiguration.assignedWithoutControls(text, false))
          .as("name %s", text.codePoints().boxed().toList())
          .isEqualTo(StrictHttpFirewall.ALLOWED_HEADER_NAMES.test(text));
    }
  }
}
