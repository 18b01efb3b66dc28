package dev.weft.launcher;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.AbstractConfiguration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.layout.template.json.JsonTemplateLayout;
import org.apache.logging.log4j.layout.template.json.JsonTemplateLayout.EventTemplateAdditionalField;

/**
 * Weft's Log4j2 configuration, built in code: one console appender on standard output, one line
 * per event, in the layout {@code log.format} names, and the root level {@code log.level}.
 * Helidon's own lines arrive here through the JUL bridge.
 *
 * <ul>
 *   <li>{@code text}, for people at a terminal: time, level, thread, logger, inside a traced
 *       request {@code trace_id} and {@code span_id} ({@link TraceContextData}), the message;
 *   <li>{@code json}, for containers and log shippers: JSON lines in the Elastic Common Schema
 *       ({@code EcsLayout.json}), with ECS's {@code trace.id} and {@code span.id} inside a traced
 *       request.
 * </ul>
 *
 * <p>Why code and not a {@code log4j2.xml}: reading a file costs start-up time that the launcher
 * does not need to pay. Log4j2 then loads the JDK's XML parser and builds a DOM, and before that
 * instantiates every configuration factory it knows (its JSON and YAML ones probe for Jackson),
 * then builds each element by reflection over plugin annotations. Here the appender and its
 * layout are built directly, and only the chosen layout: the JSON template layout (its template,
 * its resolvers) is never loaded for text logs.
 */
final class LogConfiguration extends AbstractConfiguration {

    /** The text layout; {@code %notEmpty} leaves the ids out where no span is current. */
    static final String TEXT_PATTERN = "%d{HH:mm:ss.SSS} %-5level [%t] %c{1}"
            + "%notEmpty{ trace_id=%X{trace_id} span_id=%X{span_id}} - %msg%n%ex{short}";

    private final String format;
    private final Level level;

    /**
     * @param context the context it configures, or null before the first one exists
     * @param format  {@code text} or {@code json} (validated by the configuration catalogue)
     * @param level   a Log4j level name (likewise)
     */
    LogConfiguration(LoggerContext context, String format, String level) {
        super(context, ConfigurationSource.NULL_SOURCE);
        this.format = format;
        this.level = Level.valueOf(level);
        setName("weft-" + format);
        // Log4j2 stays up until the JVM ends (Logging): a hook would stop it while other
        // shutdown hooks may still log.
        isShutdownHookEnabled = false;
    }

    String format() {
        return format;
    }

    Level level() {
        return level;
    }

    @Override
    protected void doConfigure() {
        Appender out = ConsoleAppender.newBuilder()
                .setName("out")
                .setTarget(ConsoleAppender.Target.SYSTEM_OUT)
                // Every line written through as it is logged: nothing is left to flush at exit.
                .setImmediateFlush(true)
                .setLayout(format.equals("json") ? jsonLayout() : textLayout())
                .setConfiguration(this)
                .build();
        addAppender(out);
        LoggerConfig root = getRootLogger();
        root.addAppender(out, null, null);
        root.setLevel(level);
    }

    private Layout<String> textLayout() {
        return PatternLayout.newBuilder().withConfiguration(this).withPattern(TEXT_PATTERN).build();
    }

    private Layout<String> jsonLayout() {
        return JsonTemplateLayout.newBuilder()
                .setConfiguration(this)
                .setEventTemplateUri("classpath:EcsLayout.json")
                .setEventTemplateAdditionalFields(new EventTemplateAdditionalField[] {
                    contextField("trace.id", "trace_id"), contextField("span.id", "span_id")})
                .build();
    }

    /** An ECS field {@code key} holding the context data {@code name}; absent when there is none. */
    private static EventTemplateAdditionalField contextField(String key, String name) {
        return EventTemplateAdditionalField.newBuilder()
                .setKey(key)
                .setFormat(EventTemplateAdditionalField.Format.JSON)
                .setValue("{\"$resolver\": \"mdc\", \"key\": \"" + name + "\"}")
                .build();
    }
}
