// The seed's two examples (examples/ha-postgres.ts, examples/hot-postgres.ts) as a Go cdk8s app.
//
//	go run . OUTDIR   renders OUTDIR/ha-postgres.k8s.yaml and OUTDIR/hot-postgres.k8s.yaml
//
// languages/test.mjs compares them byte for byte with examples/rendered/.
package main

import (
	"os"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-postgres-ha/cdk8s-postgres-ha-go/cdk8spostgresha"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
)

// haPostgres is KubeDB's `ha-postgres`: three members, one primary and two warm standbys (the default).
func haPostgres(scope constructs.Construct) cdk8s.Chart {
	chart := cdk8s.NewChart(scope, jsii.String("ha-postgres"), &cdk8s.ChartProps{Namespace: jsii.String("demo")})
	cdk8spostgresha.NewPostgresCluster(chart, jsii.String("ha-postgres"), &cdk8spostgresha.PostgresClusterProps{
		Version:          cdk8spostgresha.PostgresVersion_V17(),
		Replicas:         jsii.Number(3),
		StorageClassName: jsii.String("standard"),
		StorageSize:      cdk8s.Size_Mebibytes(jsii.Number(50)),
	})
	return chart
}

// hotPostgres is KubeDB's `hot-postgres`: as `ha-postgres`, with hot standbys that answer read-only queries.
func hotPostgres(scope constructs.Construct) cdk8s.Chart {
	chart := cdk8s.NewChart(scope, jsii.String("hot-postgres"), &cdk8s.ChartProps{Namespace: jsii.String("demo")})
	cdk8spostgresha.NewPostgresCluster(chart, jsii.String("hot-postgres"), &cdk8spostgresha.PostgresClusterProps{
		Version:          cdk8spostgresha.PostgresVersion_V17(),
		Replicas:         jsii.Number(3),
		StandbyMode:      cdk8spostgresha.StandbyMode_HOT,
		StorageClassName: jsii.String("standard"),
		StorageSize:      cdk8s.Size_Mebibytes(jsii.Number(50)),
	})
	return chart
}

func main() {
	app := cdk8s.NewApp(&cdk8s.AppProps{Outdir: jsii.String(os.Args[1])})
	haPostgres(app)
	hotPostgres(app)
	app.Synth()
}
