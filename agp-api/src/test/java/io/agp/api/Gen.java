package io.agp.api;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * A generator of random test values: all a fuzz test needs, drawn from one seeded random so that a
 * seed replays the same values.
 */
@FunctionalInterface
interface Gen<T> {

  T next(RandomGenerator random);

  default <R> Gen<R> map(Function<? super T, ? extends R> f) {
    return random -> f.apply(next(random));
  }

  default <R> Gen<R> flatMap(Function<? super T, ? extends Gen<? extends R>> f) {
    return random -> f.apply(next(random)).next(random);
  }

  /** Lists of this generator's values, between {@code min} and {@code max} long. */
  default Gen<List<T>> list(int min, int max) {
    return random -> {
      int size = random.nextInt(min, max + 1);
      List<T> list = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        list.add(next(random));
      }
      return list;
    };
  }

  /** The same value every time. */
  static <T> Gen<T> just(T value) {
    return random -> value;
  }

  /** One of these values, each as likely. */
  @SafeVarargs
  static <T> Gen<T> of(T... values) {
    List<T> list = Arrays.asList(values.clone());
    return random -> list.get(random.nextInt(list.size()));
  }

  /** One of these generators, each as likely. */
  @SafeVarargs
  static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
    List<Gen<? extends T>> list = List.of(gens);
    return random -> list.get(random.nextInt(list.size())).next(random);
  }

  /** A generator with a weight, for {@link #frequencyOf}. */
  record Weighted<T>(int weight, Gen<? extends T> gen) {}

  static <T> Weighted<T> weighted(int weight, Gen<? extends T> gen) {
    return new Weighted<>(weight, gen);
  }

  /** One of these generators, picked in proportion to its weight. */
  @SafeVarargs
  static <T> Gen<T> frequencyOf(Weighted<? extends T>... choices) {
    List<Weighted<? extends T>> list = List.of(choices);
    int total = list.stream().mapToInt(Weighted::weight).sum();
    return random -> {
      int pick = random.nextInt(total);
      for (Weighted<? extends T> choice : list) {
        pick -= choice.weight();
        if (pick < 0) {
          return choice.gen().next(random);
        }
      }
      throw new AssertionError("unreachable");
    };
  }

  static <A, B, R> Gen<R> combine(
      Gen<A> a, Gen<B> b, BiFunction<? super A, ? super B, ? extends R> f) {
    return random -> f.apply(a.next(random), b.next(random));
  }

  /** One value from each generator, in order. */
  static <T> Gen<List<T>> all(List<? extends Gen<? extends T>> gens) {
    return random -> {
      List<T> values = new ArrayList<>(gens.size());
      for (Gen<? extends T> gen : gens) {
        values.add(gen.next(random));
      }
      return values;
    };
  }

  /** Any long, often one at the edges. */
  static Gen<Long> longs() {
    return frequencyOf(
        weighted(1, of(0L, 1L, -1L, Long.MAX_VALUE, Long.MIN_VALUE)),
        weighted(1, random -> random.nextLong(-1000, 1000)),
        weighted(2, RandomGenerator::nextLong));
  }

  /** Maps of up to {@code max} entries; a repeated key keeps the last value. */
  static <K, V> Gen<Map<K, V>> maps(Gen<K> keys, Gen<V> values, int max) {
    return random -> {
      int size = random.nextInt(max + 1);
      Map<K, V> map = new LinkedHashMap<>();
      for (int i = 0; i < size; i++) {
        map.put(keys.next(random), values.next(random));
      }
      return map;
    };
  }

  /** Up to {@code max} random bytes. */
  static Gen<byte[]> bytes(int max) {
    return random -> {
      byte[] bytes = new byte[random.nextInt(max + 1)];
      random.nextBytes(bytes);
      return bytes;
    };
  }

  /** Strings of {@code min} to {@code max} chars, each from {@code chars}. */
  static Gen<String> strings(Gen<Character> chars, int min, int max) {
    return random -> {
      int length = random.nextInt(min, max + 1);
      StringBuilder s = new StringBuilder(length);
      for (int i = 0; i < length; i++) {
        s.append(chars.next(random).charValue());
      }
      return s.toString();
    };
  }

  /** Chars from {@code from} to {@code to}, both included. */
  static Gen<Character> chars(char from, char to) {
    return random -> (char) random.nextInt(from, to + 1);
  }

  /** Any char but a lone surrogate or a noncharacter: mostly ASCII, some from all of Unicode. */
  static Gen<Character> validChars() {
    Gen<Character> any =
        random -> {
          while (true) {
            char c = (char) random.nextInt(Character.MAX_VALUE + 1);
            if (!Character.isSurrogate(c) && !(c >= '\ufdd0' && c <= '\ufdef') && c < '\ufffe') {
              return c;
            }
          }
        };
    return frequencyOf(weighted(1, chars('\u0000', '\u007f')), weighted(1, any));
  }

  /** Any char at all, lone surrogates and noncharacters too. */
  static Gen<Character> allChars() {
    return chars(Character.MIN_VALUE, Character.MAX_VALUE);
  }
}
