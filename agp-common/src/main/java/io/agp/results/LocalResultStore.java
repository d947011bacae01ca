package io.agp.results;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.OptionalLong;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Objects as files under a root folder, a key's segments being folders. Uploads go to a hidden file
 * next to their target ({@code .<name>.partial-<random>}) and are renamed into place on commit,
 * which the file system does atomically within one folder.
 */
final class LocalResultStore implements ResultStore {

  static final String PARTIAL_MARKER = ".partial-";

  private final Path root;

  LocalResultStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
    try {
      Files.createDirectories(this.root);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create result folder " + this.root, e);
    }
  }

  @Override
  public ResultUpload upload(String key) {
    return new LocalResultUpload(this, key, resolve(key));
  }

  @Override
  public InputStream open(String key) throws IOException {
    return open(key, 0);
  }

  @Override
  public InputStream open(String key, long offset) throws IOException {
    if (offset < 0) {
      throw new IllegalArgumentException("negative offset " + offset);
    }
    Path file = resolve(key);
    if (!isObject(file)) {
      throw new NoSuchResultException(key);
    }
    FileChannel channel;
    try {
      channel = FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new NoSuchResultException(key);
    }
    try {
      // Past the end a channel reads nothing, as the contract wants.
      channel.position(offset);
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    return Channels.newInputStream(channel);
  }

  @Override
  public OptionalLong size(String key) throws IOException {
    BasicFileAttributes attributes = attributes(resolve(key));
    return attributes != null && attributes.isRegularFile()
        ? OptionalLong.of(attributes.size())
        : OptionalLong.empty();
  }

  @Override
  public void delete(String key) throws IOException {
    Path file = resolve(key);
    if (!isObject(file)) {
      return;
    }
    Files.deleteIfExists(file);
    pruneEmptyFolders(file.getParent());
  }

  @Override
  public Stream<StoredObject> list(String prefix) throws IOException {
    ResultKeys.checkPrefix(prefix);
    return walk(root, prefix);
  }

  @Override
  public Stream<UnfinishedUpload> listUnfinished(String prefix) throws IOException {
    ResultKeys.checkPrefix(prefix);
    return walkFiles(root, prefix, true)
        .map(
            partial ->
                new UnfinishedUpload(
                    partial.key(),
                    partial.partialKey(),
                    partial.attributes().lastModifiedTime().toInstant()));
  }

  @Override
  public void abortUnfinished(UnfinishedUpload upload) throws IOException {
    Path file = resolve(upload.handle());
    if (!isPartial(file)) {
      throw new IllegalArgumentException("not an unfinished upload: " + upload.handle());
    }
    Files.deleteIfExists(file);
    pruneEmptyFolders(file.getParent());
  }

  @Override
  public URI location() {
    return root.toUri();
  }

  /**
   * Folders emptied by deletes would otherwise pile up, one per result. An upload that is creating
   * a file in a folder being pruned retries (see {@link LocalResultUpload}).
   */
  void pruneEmptyFolders(Path folder) {
    for (Path current = folder;
        current != null && !current.equals(root) && current.startsWith(root);
        current = current.getParent()) {
      try {
        Files.delete(current);
      } catch (IOException e) {
        // Not empty, already gone or not ours to remove: pruning is only tidying.
        return;
      }
    }
  }

  private Path resolve(String key) {
    Path file = root.resolve(ResultKeys.checkKey(key)).normalize();
    if (!file.startsWith(root) || file.equals(root)) {
      throw new IllegalArgumentException("result key escapes the result folder: " + key);
    }
    return file;
  }

  private Stream<StoredObject> walk(Path folder, String prefix) throws IOException {
    return walkFiles(folder, prefix, false)
        .map(
            file ->
                new StoredObject(
                    file.key(),
                    file.attributes().size(),
                    file.attributes().lastModifiedTime().toInstant()));
  }

  /**
   * A file met by a walk: a committed object, or a partial file, whose key is its target's and
   * whose partial key names the file itself.
   */
  private record WalkedFile(String key, String partialKey, BasicFileAttributes attributes) {}

  /** The committed objects, or the partial files, whose keys start with the prefix. */
  private Stream<WalkedFile> walkFiles(Path folder, String prefix, boolean partials)
      throws IOException {
    DirectoryStream<Path> entries;
    try {
      entries = Files.newDirectoryStream(folder);
    } catch (NoSuchFileException | NotDirectoryException e) {
      // Pruned or replaced while we walked: it holds nothing to list.
      return Stream.empty();
    }
    return StreamSupport.stream(entries.spliterator(), false)
        .onClose(() -> closeUnchecked(entries))
        .flatMap(entry -> visit(entry, prefix, partials));
  }

  private Stream<WalkedFile> visit(Path entry, String prefix, boolean partials) {
    String fileKey = keyOf(entry);
    try {
      BasicFileAttributes attributes = attributes(entry);
      if (attributes == null) {
        return Stream.empty();
      }
      if (attributes.isDirectory()) {
        String folderKey = fileKey + "/";
        boolean mayHoldMatches = folderKey.startsWith(prefix) || prefix.startsWith(folderKey);
        return mayHoldMatches ? walkFiles(entry, prefix, partials) : Stream.empty();
      }
      if (!attributes.isRegularFile() || isPartial(entry) != partials) {
        return Stream.empty();
      }
      String key = partials ? targetKey(entry) : fileKey;
      return key.startsWith(prefix)
          ? Stream.of(new WalkedFile(key, fileKey, attributes))
          : Stream.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The key a partial file ({@code .<name>.partial-<random>}) is the upload of. */
  private String targetKey(Path partial) {
    String name = partial.getFileName().toString();
    String target = name.substring(1, name.lastIndexOf(PARTIAL_MARKER));
    return keyOf(partial.resolveSibling(target));
  }

  private String keyOf(Path file) {
    return root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
  }

  private static boolean isPartial(Path file) {
    String name = file.getFileName().toString();
    return name.startsWith(".") && name.contains(PARTIAL_MARKER);
  }

  private static boolean isObject(Path file) throws IOException {
    BasicFileAttributes attributes = attributes(file);
    return attributes != null && attributes.isRegularFile();
  }

  /** Null when the file is gone, which a concurrent commit, delete or prune may cause any time. */
  private static BasicFileAttributes attributes(Path file) throws IOException {
    try {
      return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private static void closeUnchecked(DirectoryStream<Path> entries) {
    try {
      entries.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
