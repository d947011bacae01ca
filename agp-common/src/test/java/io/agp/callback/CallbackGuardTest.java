package io.agp.callback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CallbackGuardTest {

  private static final String PUBLIC = "93.184.215.14";

  /** A resolver of a few names, so that no test depends on the machine's DNS. */
  private static CallbackGuard.Resolver names(Map<String, List<String>> names) {
    return host -> {
      List<String> addresses = names.get(host);
      if (addresses == null) {
        throw new UnknownHostException(host);
      }
      InetAddress[] resolved = new InetAddress[addresses.size()];
      for (int i = 0; i < resolved.length; i++) {
        resolved[i] = InetAddress.getByName(addresses.get(i));
      }
      return resolved;
    };
  }

  @Test
  void acceptsHttpsToAHostOfPublicAddressesAndReturnsTheAddressItChecked() throws Exception {
    CallbackGuard guard =
        new CallbackGuard(List.of(), names(Map.of("hooks.example.com", List.of(PUBLIC))));

    CallbackGuard.Target target = guard.check("https://Hooks.Example.com/agp?token=t0k3n");

    assertThat(target.host()).isEqualTo("hooks.example.com");
    assertThat(target.port()).isEqualTo(443);
    assertThat(target.tls()).isTrue();
    assertThat(target.address().getHostAddress()).isEqualTo(PUBLIC);
    assertThat(target.url().getRawQuery()).isEqualTo("token=t0k3n");
  }

  @Test
  void resolvesTheHostOnceACheck() throws Exception {
    AtomicInteger lookups = new AtomicInteger();
    CallbackGuard guard =
        new CallbackGuard(
            List.of(),
            host -> {
              lookups.incrementAndGet();
              return new InetAddress[] {InetAddress.getByName(PUBLIC)};
            });

    guard.check("https://hooks.example.com:8443/agp");

    assertThat(lookups).hasValue(1);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "not a url",
        "hooks.example.com/agp",
        "//hooks.example.com/agp",
        "ftp://hooks.example.com/agp",
        "file:///etc/passwd",
        "https:hooks.example.com",
        "https:///agp",
        "https://user:password@hooks.example.com/agp",
        "https://user@hooks.example.com/agp",
        "https://hooks.example.com/agp#part",
        "https://hooks.example.com:0/agp",
        "https://hooks.example.com:70000/agp",
        "https://hooks example.com/agp",
        "https://hooks_example.com/agp",
        "https://2130706433/agp"
      })
  void refusesAMalformedUrl(String url) {
    CallbackGuard guard =
        new CallbackGuard(List.of(), names(Map.of("hooks.example.com", List.of(PUBLIC))));

    assertThatThrownBy(() -> guard.check(url)).isInstanceOf(CallbackRefusedException.class);
  }

  @Test
  void refusesAUrlLongerThanTheLimit() {
    CallbackGuard guard =
        new CallbackGuard(List.of(), names(Map.of("hooks.example.com", List.of(PUBLIC))));
    String url = "https://hooks.example.com/" + "a".repeat(CallbackGuard.MAX_URL_LENGTH);

    assertThatThrownBy(() -> guard.check(url))
        .isInstanceOf(CallbackRefusedException.class)
        .hasMessageContaining("characters");
  }

  @Test
  void refusesPlainHttpUnlessTheHostIsAllowListed() throws Exception {
    CallbackGuard.Resolver resolver =
        names(
            Map.of("hooks.example.com", List.of(PUBLIC), "intranet.example.com", List.of(PUBLIC)));

    assertThatThrownBy(
            () -> new CallbackGuard(List.of(), resolver).check("http://hooks.example.com/agp"))
        .isInstanceOf(CallbackRefusedException.class)
        .hasMessageContaining("https");
    assertThat(
            new CallbackGuard(List.of("intranet.example.com"), resolver)
                .check("http://intranet.example.com/agp")
                .tls())
        .isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1",
        "127.8.9.10",
        "0.0.0.0",
        "0.1.2.3",
        "10.1.2.3",
        "100.64.0.1",
        "169.254.169.254",
        "172.16.0.1",
        "172.31.255.255",
        "192.0.0.8",
        "192.0.2.1",
        "192.168.1.1",
        "198.18.0.1",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "[::]",
        "[::1]",
        "[::127.0.0.1]",
        "[::ffff:127.0.0.1]",
        "[::ffff:10.0.0.1]",
        "[::ffff:169.254.169.254]",
        "[64:ff9b::7f00:1]",
        "[64:ff9b::a00:1]",
        "[64:ff9b:1::1]",
        "[2002:7f00:1::1]",
        "[2002:c0a8:101::1]",
        "[2001:db8::1]",
        "[2001::1]",
        "[fc00::1]",
        "[fd12:3456:789a::1]",
        "[fe80::1]",
        "[fec0::1]",
        "[ff02::1]",
        "[100::1]"
      })
  void refusesLoopbackPrivateAndOtherLocalAddresses(String host) {
    CallbackGuard guard = new CallbackGuard(List.of());

    assertThatThrownBy(() -> guard.check("https://" + host + "/agp"))
        .isInstanceOf(CallbackRefusedException.class)
        .hasMessageContaining("allowed-hosts")
        // The message does not tell a caller what an internal name resolves to.
        .hasMessageNotContaining(host.replace("[", "").replace("]", ""));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "93.184.215.14",
        "8.8.8.8",
        "1.1.1.1",
        "172.32.0.1",
        "100.128.0.1",
        "[2606:4700:4700::1111]",
        "[2a00:1450:4001:80b::200e]",
        "[64:ff9b::808:808]",
        "[2002:808:808::1]"
      })
  void acceptsPublicAddresses(String host) throws Exception {
    CallbackGuard guard = new CallbackGuard(List.of());

    assertThat(guard.check("https://" + host + "/agp").address().getAddress())
        .isEqualTo(InetAddress.getByName(host.replace("[", "").replace("]", "")).getAddress());
  }

  @Test
  void refusesAHostNameThatResolvesToLoopback() {
    CallbackGuard.Resolver resolver =
        names(Map.of("evil.example.com", List.of("127.0.0.1"), "localhost", List.of("127.0.0.1")));

    assertThatThrownBy(
            () -> new CallbackGuard(List.of(), resolver).check("https://evil.example.com/agp"))
        .isInstanceOf(CallbackRefusedException.class);
    // The machine's own resolver, too.
    assertThatThrownBy(() -> new CallbackGuard(List.of()).check("https://localhost/agp"))
        .isInstanceOf(CallbackRefusedException.class);
  }

  @Test
  void refusesAHostNameWithAnyLocalAddressAmongItsAnswers() {
    CallbackGuard guard =
        new CallbackGuard(
            List.of(), names(Map.of("mixed.example.com", List.of(PUBLIC, "10.0.0.1"))));

    assertThatThrownBy(() -> guard.check("https://mixed.example.com/agp"))
        .isInstanceOf(CallbackRefusedException.class);
  }

  @Test
  void refusesAHostThatDoesNotResolve() {
    CallbackGuard guard = new CallbackGuard(List.of(), names(Map.of()));

    assertThatThrownBy(() -> guard.check("https://nowhere.example.com/agp"))
        .isInstanceOf(CallbackRefusedException.class)
        .hasMessageContaining("does not resolve");
  }

  @Test
  void anAllowListedHostMayUsePlainHttpAndLocalAddresses() throws Exception {
    CallbackGuard.Resolver resolver =
        names(
            Map.of(
                "localhost", List.of("127.0.0.1"),
                "127.0.0.1", List.of("127.0.0.1"),
                "::1", List.of("::1"),
                "hooks.internal", List.of("10.1.2.3")));
    CallbackGuard guard =
        new CallbackGuard(List.of("LocalHost.", "127.0.0.1", "[::1]", "hooks.internal"), resolver);

    assertThat(guard.check("http://localhost:8080/agp").address().isLoopbackAddress()).isTrue();
    assertThat(guard.check("http://127.0.0.1:8080/agp").port()).isEqualTo(8080);
    assertThat(guard.check("http://[::1]/agp").port()).isEqualTo(80);
    assertThat(guard.check("https://hooks.internal/agp").address().getHostAddress())
        .isEqualTo("10.1.2.3");
    // Allow-listing is by exact host: a subdomain is not allow-listed.
    assertThatThrownBy(() -> guard.check("http://sub.hooks.internal/agp"))
        .isInstanceOf(CallbackRefusedException.class);
  }
}
