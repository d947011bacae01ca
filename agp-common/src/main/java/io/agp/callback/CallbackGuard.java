package io.agp.callback;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where callbacks may go: a guard against server-side request forgery, since a callback URL is
 * chosen by a caller and requested by AGP from inside its network. A URL must be absolute http(s)
 * with a host and neither user info nor fragment; https, unless its host is allow-listed; and its
 * host must resolve to public addresses only, unless allow-listed: loopback, private, link-local,
 * carrier-grade NAT, unique-local, multicast, reserved, documentation and unspecified ranges are
 * refused, IPv4 inside IPv6 (mapped, NAT64, 6to4) included.
 *
 * <p>{@link #check} resolves the host once and returns the address it checked: the sender connects
 * to that address, never to the name again, so that a DNS answer that changes between the check and
 * the connection (DNS rebinding) cannot lead it elsewhere. The API checks at create, the bookkeeper
 * again before each attempt.
 */
public final class CallbackGuard {

  /** The longest callback URL. */
  public static final int MAX_URL_LENGTH = 2048;

  /** Resolves a host name (or IP literal) to its addresses. */
  @FunctionalInterface
  public interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  /**
   * Where an attempt connects.
   *
   * @param host the URL's host, as the Host header and TLS (server name, certificate) name it
   * @param address the checked address to connect to
   */
  public record Target(URI url, String host, int port, boolean tls, InetAddress address) {}

  private static final List<Block> NOT_PUBLIC =
      List.of(
          // IPv4
          Block.of("0.0.0.0/8"), // "this network", 0.0.0.0
          Block.of("10.0.0.0/8"),
          Block.of("100.64.0.0/10"), // carrier-grade NAT
          Block.of("127.0.0.0/8"),
          Block.of("169.254.0.0/16"), // link-local, cloud metadata services
          Block.of("172.16.0.0/12"),
          Block.of("192.0.0.0/24"), // IETF protocol assignments
          Block.of("192.0.2.0/24"), // documentation
          Block.of("192.88.99.0/24"), // 6to4 relays
          Block.of("192.168.0.0/16"),
          Block.of("198.18.0.0/15"), // benchmarking
          Block.of("198.51.100.0/24"), // documentation
          Block.of("203.0.113.0/24"), // documentation
          Block.of("224.0.0.0/4"), // multicast
          Block.of("240.0.0.0/4"), // reserved, broadcast
          // IPv6
          Block.of("::/96"), // unspecified, loopback, IPv4-compatible
          Block.of("64:ff9b:1::/48"), // local-use NAT64
          Block.of("100::/64"), // discard
          Block.of("2001::/23"), // IETF protocol assignments, Teredo
          Block.of("2001:db8::/32"), // documentation
          Block.of("fc00::/7"), // unique local
          Block.of("fe80::/10"), // link-local
          Block.of("fec0::/10"), // site-local
          Block.of("ff00::/8")); // multicast

  private static final Block IPV4_MAPPED = Block.of("::ffff:0:0/96");
  private static final Block NAT64 = Block.of("64:ff9b::/96");
  private static final Block SIX_TO_FOUR = Block.of("2002::/16");

  private final Set<String> allowedHosts;
  private final Resolver resolver;

  /** A guard that resolves with the system's resolver. */
  public CallbackGuard(Collection<String> allowedHosts) {
    this(allowedHosts, InetAddress::getAllByName);
  }

  public CallbackGuard(Collection<String> allowedHosts, Resolver resolver) {
    this.allowedHosts =
        allowedHosts.stream().map(CallbackGuard::normalize).collect(Collectors.toUnmodifiableSet());
    this.resolver = resolver;
  }

  /**
   * Checks a callback URL and resolves its host, once.
   *
   * @return the address to connect to, among those checked
   * @throws CallbackRefusedException when callbacks may not go there
   */
  public Target check(String url) throws CallbackRefusedException {
    URI uri = parse(url);
    String host = normalize(uri.getHost());
    boolean allowListed = allowedHosts.contains(host);
    boolean tls = uri.getScheme().equalsIgnoreCase("https");
    if (!tls && !allowListed) {
      throw new CallbackRefusedException(
          "callback_url must be https (plain http only to the hosts of agp.callbacks.allowed-hosts)");
    }
    InetAddress[] addresses;
    try {
      addresses = resolver.resolve(host);
    } catch (UnknownHostException e) {
      throw new CallbackRefusedException("the host of callback_url does not resolve");
    }
    if (addresses == null || addresses.length == 0) {
      throw new CallbackRefusedException("the host of callback_url does not resolve");
    }
    // Every address, not only the first: a name may answer a public and a private one.
    if (!allowListed && !Arrays.stream(addresses).allMatch(CallbackGuard::isPublic)) {
      throw new CallbackRefusedException(
          "the host of callback_url is, or resolves to, a private, loopback or otherwise local"
              + " address; callbacks go there only to the hosts of agp.callbacks.allowed-hosts");
    }
    int port = uri.getPort() >= 0 ? uri.getPort() : tls ? 443 : 80;
    return new Target(uri, host, port, tls, addresses[0]);
  }

  /** The URL's form, checked without resolving anything. */
  static URI parse(String url) throws CallbackRefusedException {
    if (url.isEmpty() || url.length() > MAX_URL_LENGTH) {
      throw new CallbackRefusedException(
          "callback_url must have 1 to " + MAX_URL_LENGTH + " characters");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new CallbackRefusedException("callback_url is not a valid URL: " + e.getReason());
    }
    String scheme = uri.getScheme();
    if (scheme == null
        || !(scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http"))
        || uri.isOpaque()) {
      throw new CallbackRefusedException("callback_url must be an absolute https:// URL");
    }
    if (uri.getRawUserInfo() != null) {
      throw new CallbackRefusedException(
          "callback_url must not carry user information (user:password@): put a secret in the"
              + " path or query, or check X-AGP-Signature");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new CallbackRefusedException("callback_url must name a host");
    }
    if (uri.getRawFragment() != null) {
      throw new CallbackRefusedException("callback_url must not have a fragment (#…)");
    }
    if (uri.getPort() == 0 || uri.getPort() > 65535) {
      throw new CallbackRefusedException("the port of callback_url must be 1 to 65535");
    }
    return uri;
  }

  /** Whether callbacks may reach this address without an allow-listed host. */
  static boolean isPublic(InetAddress address) {
    byte[] bytes = address.getAddress();
    for (Block block : NOT_PUBLIC) {
      if (block.contains(bytes)) {
        return false;
      }
    }
    byte[] embedded = embeddedIpv4(bytes);
    return embedded == null || isPublic(ipv4(embedded));
  }

  /** The IPv4 address inside an IPv4-mapped, NAT64 or 6to4 IPv6 address, else null. */
  private static byte[] embeddedIpv4(byte[] bytes) {
    if (bytes.length != 16) {
      return null;
    }
    if (IPV4_MAPPED.contains(bytes) || NAT64.contains(bytes)) {
      return Arrays.copyOfRange(bytes, 12, 16);
    }
    if (SIX_TO_FOUR.contains(bytes)) {
      return Arrays.copyOfRange(bytes, 2, 6);
    }
    return null;
  }

  private static InetAddress ipv4(byte[] bytes) {
    try {
      return Inet4Address.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("four bytes are an IPv4 address", e);
    }
  }

  /** A host as the allow-list compares it: lower case, without brackets and final dot. */
  private static String normalize(String host) {
    String h = host.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    return h;
  }

  /** A range of addresses: a prefix of so many bits. */
  private record Block(byte[] prefix, int bits) {

    static Block of(String cidr) {
      String[] parts = cidr.split("/");
      try {
        // Literals only: no lookup happens.
        byte[] prefix = InetAddress.getByName(parts[0]).getAddress();
        if (parts[0].contains(":") && prefix.length == 4) {
          // The JDK reads ::ffff:a.b.c.d as IPv4; the block is of IPv6 addresses.
          byte[] mapped = new byte[16];
          mapped[10] = (byte) 0xff;
          mapped[11] = (byte) 0xff;
          System.arraycopy(prefix, 0, mapped, 12, 4);
          prefix = mapped;
        }
        return new Block(prefix, Integer.parseInt(parts[1]));
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException(cidr, e);
      }
    }

    boolean contains(byte[] address) {
      if (address.length != prefix.length) {
        return false;
      }
      for (int bit = 0; bit < bits; bit++) {
        int mask = 0x80 >>> (bit % 8);
        if ((address[bit / 8] & mask) != (prefix[bit / 8] & mask)) {
          return false;
        }
      }
      return true;
    }
  }
}
