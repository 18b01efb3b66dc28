import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Turns the template's own sources into the resources of a Maven archetype, at build time, so the
 * archetype cannot drift from the template: {@code java GenerateArchetype.java ROOT OUT VERSION}.
 *
 * <p>Every file the repository would commit (tracked or not ignored), except the archetype module
 * itself and the lines marked {@code template-only}, becomes a file under
 * {@code OUT/archetype-resources}. The names are rewritten to Velocity references that
 * archetype:generate fills in from its properties (see {@link #RULES}); {@code patterns} and the
 * template's measured benchmark results stay byte for byte. A file with a name in it is a
 * filtered template whose literal text sits in Velocity's unparsed blocks; any other file is
 * copied as is. Java sources of the service packages move to packaged file sets, so they land
 * under the fork's package. {@code OUT/META-INF/maven/archetype-metadata.xml} lists the file sets;
 * {@code OUT/META-INF/archetype-post-generate.groovy} rejects an artifactId that cannot be the
 * service name and restores the executable bits, which an archetype jar does not keep.
 */
public final class GenerateArchetype {

    /** What stays "weft" in the fork on purpose: the library's package and types, and the template's own name. */
    static final List<String> KEEP = List.of("dev.weft.patterns", "dev/weft/patterns", "WeftThreads",
            "dev.weft:weft-archetype", "-DarchetypeGroupId=dev.weft", "weft-archetype", "Weft template");

    /** Where the fork carries the file byte for byte: the patterns library and the template's measurements. */
    static final Pattern VERBATIM = Pattern.compile("patterns/(?!pom\\.xml$).*|benchmarks/results/.*");

    /** What the artifactId, the fork's service name, may be: it names Kubernetes objects, an image and metrics. */
    static final String SERVICE_NAME = "[a-z][a-z0-9]*(-[a-z0-9]+)*";

    /**
     * A service package: any package directly under {@code dev.weft} but {@code dev.weft.patterns}, the
     * library (the modules' packages, and the worked examples' {@code dev.weft.examples}), so a new one
     * moves under the fork's package without being listed here.
     */
    static final String SERVICE_PACKAGES = "((?!patterns\\b)[a-z_][a-z0-9_]*)";

    /** A source root holding a service package: its files go to a packaged file set. */
    static final Pattern PACKAGED = Pattern.compile("(.+/src/(?:main|test)/(?:java|resources))/dev/weft/(" + SERVICE_PACKAGES + "(?:/.*)?)");

    /** Lines the fork does not get: a line carrying the marker, or a block between the begin and end markers. */
    static final String TEMPLATE_ONLY = "template-only";

    /**
     * The names, in the order they are tried, and the Velocity reference each becomes. The service
     * name is the fork's artifactId ({@code orders}, {@code order-service}), and so are file
     * names, Kubernetes names and dotted names (Micrometer turns a '-' in a meter name into '_').
     * {@code serviceId} is it with '-' as '_', wherever "weft" touches an identifier character
     * (Prometheus series in PromQL, Java names); {@code SERVICE_ID} is that in upper case
     * (environment variables); {@code ServiceName} is camel case (prose, type names); see
     * {@link #HEADER}.
     */
    static final List<Map.Entry<Pattern, Function<MatchResult, String>>> PACKAGE_RULES = List.of(
            rule("<groupId>dev\\.weft</groupId>", m -> "<groupId>${groupId}</groupId>"),
            rule("dev/weft/" + SERVICE_PACKAGES + "\\b", m -> "${packageInPathFormat}/" + m.group(1)),
            rule("dev\\.weft\\." + SERVICE_PACKAGES + "\\b", m -> "${package}." + m.group(1)));

    /** In Java code, outside strings and comments, "weft" is (part of) an identifier: a variable, a method. */
    static final List<Map.Entry<Pattern, Function<MatchResult, String>>> JAVA_CODE_RULES = List.of(
            rule("weft", m -> "${serviceId}"));

    /** The names left after {@link #PACKAGE_RULES} (and, in Java code, {@link #JAVA_CODE_RULES}). */
    static final List<Map.Entry<Pattern, Function<MatchResult, String>>> RULES = List.of(
            rule("WEFT", m -> "${SERVICE_ID}"),
            rule("Weft", m -> "${ServiceName}"),
            rule("weft(?=[A-Za-z0-9_])|(?<=[A-Za-z0-9_])weft", m -> "${serviceId}"),
            rule("weft", m -> "${artifactId}"));

    /** Defines the derived names at the top of every filtered file (Velocity drops these lines). */
    static final String HEADER = """
            #set( $serviceId = $artifactId.replace('-', '_') )
            #set( $SERVICE_ID = $serviceId.toUpperCase() )
            #set( $ServiceName = '' )
            #foreach( $part in $artifactId.split('-') )
            #set( $ServiceName = "$ServiceName$part.substring(0, 1).toUpperCase()$part.substring(1)" )
            #end
            """;

    private static Map.Entry<Pattern, Function<MatchResult, String>> rule(String regex, Function<MatchResult, String> reference) {
        return Map.entry(Pattern.compile(regex), reference);
    }

    record FileSetKey(String directory, boolean packaged, boolean filtered) { }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]).toAbsolutePath().normalize();
        Path out = Path.of(args[1]).toAbsolutePath().normalize();
        String version = args[2];
        Path resources = out.resolve("archetype-resources");
        deleteTree(resources);

        Map<FileSetKey, TreeSet<String>> fileSets = new TreeMap<>(Comparator.comparing(FileSetKey::directory)
                .thenComparing(FileSetKey::packaged).thenComparing(FileSetKey::filtered));
        List<String> executables = new ArrayList<>();
        for (String rel : sourceFiles(root)) {
            Path source = root.resolve(rel);
            byte[] bytes = Files.readAllBytes(source);
            boolean text = !containsNul(bytes);
            String content = text ? new String(bytes, StandardCharsets.UTF_8) : null;
            boolean verbatim = !text || VERBATIM.matcher(rel).matches();
            String kept = verbatim ? null : dropTemplateOnly(content);
            String template = verbatim ? null : template(kept, version, rel.endsWith("pom.xml"), rel.endsWith(".java"));

            String directory;
            String name;
            boolean packaged;
            Matcher p = PACKAGED.matcher(rel);
            if (p.matches() && !verbatim) {
                directory = p.group(1);
                name = p.group(2);
                packaged = true;
            } else {
                int slash = rel.lastIndexOf('/');
                directory = slash < 0 ? "" : rel.substring(0, slash);
                name = slash < 0 ? rel : rel.substring(slash + 1);
                packaged = false;
                if (!verbatim) {
                    name = name.replace("weft", "__artifactId__");
                }
            }
            boolean filtered = template != null;
            if (rel.equals("pom.xml") && !filtered) {
                throw new IllegalStateException("the root pom.xml must be a filtered template");
            }
            Path target = resources.resolve(directory).resolve(name);
            Files.createDirectories(target.getParent());
            if (filtered) {
                Files.writeString(target, template, StandardCharsets.UTF_8);
            } else if (kept != null) {
                Files.writeString(target, kept, StandardCharsets.UTF_8);
            } else {
                Files.write(target, bytes);
            }
            if (Files.isExecutable(source)) {
                executables.add(rel);
            }
            // archetype:generate processes the root pom.xml by itself; a file set must not list it again.
            if (!rel.equals("pom.xml")) {
                fileSets.computeIfAbsent(new FileSetKey(directory, packaged, filtered), k -> new TreeSet<>()).add(name);
            }
        }
        writeMetadata(out, fileSets);
        writePostGenerate(out, executables);
    }

    /** The files the repository would commit: tracked, or untracked and not ignored; never the archetype module. */
    static List<String> sourceFiles(Path root) throws IOException, InterruptedException {
        Process git = new ProcessBuilder("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
                .directory(root.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String listing = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (git.waitFor() != 0) {
            throw new IllegalStateException("git ls-files failed in " + root + ": the archetype is built from a git checkout");
        }
        List<String> files = new ArrayList<>();
        for (String rel : new TreeSet<>(List.of(listing.split("\0")))) {
            if (!rel.isEmpty() && !rel.startsWith("archetype/") && Files.isRegularFile(root.resolve(rel))) {
                files.add(rel);
            }
        }
        return files;
    }

    /**
     * Drops the lines marked template-only, and the blocks between "template-only:begin" and
     * "template-only:end"; a block set off by blank lines leaves one blank line, not two.
     */
    static String dropTemplateOnly(String content) {
        StringBuilder kept = new StringBuilder(content.length());
        boolean inBlock = false;
        boolean blockEnded = false;
        for (String line : content.split("(?<=\n)")) {
            if (line.contains(TEMPLATE_ONLY + ":begin")) {
                inBlock = true;
            } else if (line.contains(TEMPLATE_ONLY + ":end")) {
                inBlock = false;
                blockEnded = true;
                continue;
            } else if (!inBlock && !line.contains(TEMPLATE_ONLY)
                    && !(blockEnded && line.isBlank() && (kept.isEmpty() || kept.toString().endsWith("\n\n")))) {
                kept.append(line);
            }
            blockEnded = false;
        }
        if (inBlock) {
            throw new IllegalStateException(TEMPLATE_ONLY + ":begin without " + TEMPLATE_ONLY + ":end");
        }
        return kept.toString();
    }

    /**
     * The file as a Velocity template, or null when it names nothing (a pom is always a template): the kept
     * phrases are set aside, the names become placeholders, the rest is escaped, then the
     * placeholders become references.
     */
    static String template(String content, String version, boolean pom, boolean java) {
        List<String> slots = new ArrayList<>();
        String text = content;
        for (String keep : KEEP) {
            text = text.replace(keep, slot(slots, keep, false));
        }
        if (pom) {
            text = text.replace("<version>" + version + "</version>", slot(slots, "<version>${version}</version>", true));
        }
        text = apply(PACKAGE_RULES, text, slots);
        if (java) {
            StringBuilder sb = new StringBuilder();
            int code = 0;
            for (int[] literal : javaLiterals(text)) {
                sb.append(apply(JAVA_CODE_RULES, text.substring(code, literal[0]), slots))
                        .append(text, literal[0], literal[1]);
                code = literal[1];
            }
            text = sb.append(apply(JAVA_CODE_RULES, text.substring(code), slots)).toString();
        }
        text = apply(RULES, text, slots);
        boolean named = slots.stream().anyMatch(s -> s.startsWith("\u0001"));
        if (!named && !pom) {
            return null;
        }
        // Literal text goes into Velocity's unparsed blocks (#[[...]]#), so nothing in it needs escaping.
        StringBuilder sb = new StringBuilder(HEADER);
        StringBuilder literal = new StringBuilder();
        Matcher m = SLOT.matcher(text);
        int last = 0;
        while (m.find()) {
            literal.append(text, last, m.start());
            String value = slots.get(Integer.parseInt(m.group(1)));
            if (value.startsWith("\u0001")) {
                appendLiteral(sb, literal);
                sb.append(value.substring(1));
            } else {
                literal.append(value.substring(1));
            }
            last = m.end();
        }
        literal.append(text, last, text.length());
        appendLiteral(sb, literal);
        return sb.toString();
    }

    private static void appendLiteral(StringBuilder template, StringBuilder literal) {
        if (literal.isEmpty()) {
            return;
        }
        if (literal.indexOf("]]#") >= 0) {
            throw new IllegalStateException("a template file contains ']]#', which ends Velocity's unparsed block");
        }
        template.append("#[[").append(literal).append("]]#");
        literal.setLength(0);
    }

    /** Every match of each rule, in order, becomes a slot holding the rule's reference. */
    private static String apply(List<Map.Entry<Pattern, Function<MatchResult, String>>> rules, String text, List<String> slots) {
        for (Map.Entry<Pattern, Function<MatchResult, String>> rule : rules) {
            Matcher m = rule.getKey().matcher(text);
            StringBuilder sb = new StringBuilder();
            int last = 0;
            while (m.find()) {
                sb.append(text, last, m.start()).append(slot(slots, rule.getValue().apply(m), true));
                last = m.end();
            }
            text = sb.append(text, last, text.length()).toString();
        }
        return text;
    }

    /** The [start, end) spans of a Java source's comments, strings, text blocks and char literals, in order. */
    static List<int[]> javaLiterals(String source) {
        List<int[]> spans = new ArrayList<>();
        int i = 0;
        while (i < source.length()) {
            int end;
            if (source.startsWith("//", i)) {
                end = source.indexOf('\n', i);
                end = end < 0 ? source.length() : end;
            } else if (source.startsWith("/*", i)) {
                end = source.indexOf("*/", i + 2);
                end = end < 0 ? source.length() : end + 2;
            } else if (source.startsWith("\"\"\"", i)) {
                end = closing(source, i + 3, "\"\"\"");
            } else if (source.charAt(i) == '"' || source.charAt(i) == '\'') {
                end = closing(source, i + 1, String.valueOf(source.charAt(i)));
            } else {
                i++;
                continue;
            }
            spans.add(new int[] {i, end});
            i = end;
        }
        return spans;
    }

    /** The index just past the first unescaped {@code quote} at or after {@code from}. */
    private static int closing(String source, int from, String quote) {
        for (int i = from; i < source.length(); i++) {
            if (source.charAt(i) == '\\') {
                i++;
            } else if (source.startsWith(quote, i)) {
                return i + quote.length();
            }
        }
        return source.length();
    }

    private static final Pattern SLOT = Pattern.compile("\u0002(\\d+)\u0003");

    /** A placeholder for a Velocity reference ({@code reference}) or for a kept literal. */
    private static String slot(List<String> slots, String value, boolean reference) {
        slots.add((reference ? "\u0001" : "\u0000") + value);
        return "\u0002" + (slots.size() - 1) + "\u0003";
    }

    static void writeMetadata(Path out, Map<FileSetKey, TreeSet<String>> fileSets) throws IOException {
        StringBuilder xml = new StringBuilder("""
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- Generated by archetype/src/generator/GenerateArchetype.java from the template's sources. -->
                <archetype-descriptor xmlns="https://maven.apache.org/plugins/maven-archetype-plugin/archetype-descriptor/1.1.0"
                                      xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                                      xsi:schemaLocation="https://maven.apache.org/plugins/maven-archetype-plugin/archetype-descriptor/1.1.0 https://maven.apache.org/xsd/archetype-descriptor-1.1.0.xsd"
                                      name="weft-archetype">
                  <requiredProperties>
                    <!-- The service name everywhere (image, Kubernetes, Prometheus job, metrics, jar): lower case, digits, single dashes. -->
                    <requiredProperty key="artifactId">
                      <validationRegex>^%s$</validationRegex>
                    </requiredProperty>
                  </requiredProperties>
                  <fileSets>
                """.formatted(SERVICE_NAME));
        fileSets.forEach((key, names) -> {
            xml.append("    <fileSet filtered=\"").append(key.filtered).append("\" packaged=\"").append(key.packaged)
                    .append("\" encoding=\"UTF-8\">\n      <directory>").append(key.directory).append("</directory>\n      <includes>\n");
            names.forEach(n -> xml.append("        <include>").append(n).append("</include>\n"));
            xml.append("      </includes>\n    </fileSet>\n");
        });
        xml.append("  </fileSets>\n</archetype-descriptor>\n");
        Path file = out.resolve("META-INF/maven/archetype-metadata.xml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, xml, StandardCharsets.UTF_8);
    }

    static void writePostGenerate(Path out, List<String> executables) throws IOException {
        StringBuilder groovy = new StringBuilder("""
                // Generated by archetype/src/generator/GenerateArchetype.java: checks the service name, and
                // restores the executable bits, which an archetype jar does not keep.
                def fork = new File(request.outputDirectory, request.artifactId)
                // archetype:generate checks the validationRegex only when it asks interactively.
                if (!(request.artifactId ==~ /%s/)) {
                    fork.deleteDir()
                    throw new IllegalArgumentException("artifactId '" + request.artifactId + "' cannot be the service name: "
                        + "use lower case letters and digits, with single dashes between them (it names the image, "
                        + "the Kubernetes objects and the metrics)")
                }
                """.formatted(SERVICE_NAME));
        for (String rel : executables) {
            groovy.append("new File(fork, '").append(rel.replace("weft", "' + request.artifactId + '")).append("').setExecutable(true, false)\n");
        }
        Path file = out.resolve("META-INF/archetype-post-generate.groovy");
        Files.createDirectories(file.getParent());
        Files.writeString(file, groovy, StandardCharsets.UTF_8);
    }

    private static boolean containsNul(byte[] bytes) {
        for (byte b : bytes) {
            if (b == 0) {
                return true;
            }
        }
        return false;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
