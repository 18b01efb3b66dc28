# Sourced by the load and start-up scripts (bash): `require_tools NAME` sets JAVA (find-java.sh),
# checks for wrk, curl and that java, and builds the launcher and the benchmarks module when their
# artifacts are missing; run from the repository root. NAME prefixes the error messages.
LAUNCHER_JAR=launcher/target/weft-launcher.jar
BARE_CP="benchmarks/target/classes:benchmarks/target/lib/*"

require_tools() {
    source benchmarks/find-java.sh
    local tool
    for tool in wrk curl "$JAVA"; do
        command -v "$tool" >/dev/null || { echo "$1: '$tool' not found (wrk: apt-get install wrk)" >&2; exit 2; }
    done
    if [[ ! -f $LAUNCHER_JAR || ! -f benchmarks/target/classes/dev/weft/benchmarks/http/BareHelloServer.class \
          || ! -d benchmarks/target/lib ]]; then
        echo "$1: building the launcher and the benchmarks module"
        ./mvnw -B -q -pl launcher,benchmarks -am package -DskipTests
    fi
}
