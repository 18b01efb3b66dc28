# Sourced by the benchmark scripts: sets JAVA to a JDK 25 or newer, in this order: JAVA as given,
# JAVA_HOME/bin/java when that is 25+, else Temurin 25's Debian path.
if [[ -n "${JAVA:-}" ]]; then
    :
elif [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]] && "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "2[5-9]'; then
    JAVA="$JAVA_HOME/bin/java"
else
    JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
fi
