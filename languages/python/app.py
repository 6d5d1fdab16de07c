"""The seed's two examples (examples/ha-postgres.ts, examples/hot-postgres.ts) as a Python cdk8s app.

    python app.py OUTDIR   renders OUTDIR/ha-postgres.k8s.yaml and OUTDIR/hot-postgres.k8s.yaml

languages/test.mjs compares them byte for byte with examples/rendered/.
"""
import sys

from cdk8s import App, Chart, Size
from constructs import Construct

from cdk8s_postgres_ha import PostgresCluster, PostgresVersion, StandbyMode


class HaPostgresChart(Chart):
    """KubeDB's `ha-postgres`: three members, one primary and two warm standbys (the default)."""

    def __init__(self, scope: Construct, id: str = "ha-postgres") -> None:
        super().__init__(scope, id, namespace="demo")
        self.cluster = PostgresCluster(
            self,
            "ha-postgres",
            version=PostgresVersion.V17,
            replicas=3,
            storage_class_name="standard",
            storage_size=Size.mebibytes(50),
        )


class HotPostgresChart(Chart):
    """KubeDB's `hot-postgres`: as `ha-postgres`, with hot standbys that answer read-only queries."""

    def __init__(self, scope: Construct, id: str = "hot-postgres") -> None:
        super().__init__(scope, id, namespace="demo")
        self.cluster = PostgresCluster(
            self,
            "hot-postgres",
            version=PostgresVersion.V17,
            replicas=3,
            standby_mode=StandbyMode.HOT,
            storage_class_name="standard",
            storage_size=Size.mebibytes(50),
        )


if __name__ == "__main__":
    app = App(outdir=sys.argv[1])
    HaPostgresChart(app)
    HotPostgresChart(app)
    app.synth()
