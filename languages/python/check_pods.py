"""PodSecurity.check() from Python, with a rule written in Python: the checks API across the jsii boundary.

    python check_pods.py   prints the findings; exits 1 unless they are the expected ones

The built-in HARDENED rules (JavaScript) find nothing in the examples' pods; the Python rule below is
called back with each pod as a `PodDocument` struct and reports its containers.
"""
import sys
from typing import List

import jsii
from cdk8s import Testing

from app import HaPostgresChart, HotPostgresChart
from cdk8s_postgres_ha import IPodSecurityRule, PodDocument, PodSecurity, PodSecurityRules


@jsii.implements(IPodSecurityRule)
class ContainerNames:
    """Reports the containers of every pod it is given."""

    @property
    def id(self) -> str:
        return "containerNames"

    @property
    def description(self) -> str:
        return "names the containers of each pod (a rule written in Python)"

    def check(self, pod: PodDocument) -> List[str]:
        return ["containers " + ", ".join(c.name for c in pod.spec.containers or [])]


app = Testing.app()
manifests = [m for chart in (HaPostgresChart(app), HotPostgresChart(app)) for m in Testing.synth(chart)]
findings = PodSecurity.check(manifests, [*PodSecurityRules.HARDENED, ContainerNames()])
actual = [(f.rule, f.resource, f.message) for f in findings]
expected = [
    ("containerNames", "StatefulSet demo/ha-postgres", "containers postgres, agent"),
    ("containerNames", "StatefulSet demo/hot-postgres", "containers postgres, agent"),
]
for finding in actual:
    print(*finding, sep="  ")
if actual != expected:
    print(f"expected {expected}", file=sys.stderr)
    sys.exit(1)
