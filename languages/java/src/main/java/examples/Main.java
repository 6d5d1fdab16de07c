package examples;

import io.github.cdk8s_postgres_ha.PostgresCluster;
import io.github.cdk8s_postgres_ha.PostgresClusterProps;
import io.github.cdk8s_postgres_ha.PostgresVersion;
import io.github.cdk8s_postgres_ha.StandbyMode;
import org.cdk8s.App;
import org.cdk8s.AppProps;
import org.cdk8s.Chart;
import org.cdk8s.ChartProps;
import org.cdk8s.Size;
import software.constructs.Construct;

/**
 * The seed's two examples (examples/ha-postgres.ts, examples/hot-postgres.ts) as a Java cdk8s app:
 * `mvn -q compile exec:java -Dexec.args=OUTDIR` renders OUTDIR/ha-postgres.k8s.yaml and
 * OUTDIR/hot-postgres.k8s.yaml.
 */
public final class Main {
    /** KubeDB's `ha-postgres`: three members, one primary and two warm standbys (the default). */
    static Chart haPostgres(final Construct scope) {
        Chart chart = new Chart(scope, "ha-postgres", ChartProps.builder().namespace("demo").build());
        new PostgresCluster(chart, "ha-postgres", PostgresClusterProps.builder()
                .version(PostgresVersion.V17)
                .replicas(3)
                .storageClassName("standard")
                .storageSize(Size.mebibytes(50))
                .build());
        return chart;
    }

    /** KubeDB's `hot-postgres`: as `ha-postgres`, with hot standbys that answer read-only queries. */
    static Chart hotPostgres(final Construct scope) {
        Chart chart = new Chart(scope, "hot-postgres", ChartProps.builder().namespace("demo").build());
        new PostgresCluster(chart, "hot-postgres", PostgresClusterProps.builder()
                .version(PostgresVersion.V17)
                .replicas(3)
                .standbyMode(StandbyMode.HOT)
                .storageClassName("standard")
                .storageSize(Size.mebibytes(50))
                .build());
        return chart;
    }

    public static void main(final String[] args) {
        App app = new App(AppProps.builder().outdir(args[0]).build());
        haPostgres(app);
        hotPostgres(app);
        app.synth();
    }
}
