"""Synth benchmark: wall time and peak memory of G8Chart for 3, 10 and 50 nodes against a bare cdk8s app.

Each case runs in a fresh interpreter (so jsii start-up and memory are measured per case). Run with
`make bench`; this is a measurement, not a test.
"""
import json
import subprocess
import sys

CASE = r"""
import json, os, resource, sys, time
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
start = time.perf_counter()
import cdk8s
kind, count = sys.argv[1], int(sys.argv[2])
imported = time.perf_counter()
app = cdk8s.App(outdir=sys.argv[3])
if kind == "bare":
    from cdk8s_plus_27 import k8s
    chart = cdk8s.Chart(app, "bare")
    k8s.KubeConfigMap(chart, "cm", data={"a": "b"})
else:
    from ovc_constructs import G8Chart, parse_environment
    from ovc_constructs.syncthing import device_id_from_der
    # One G8 with `count` controllers (the nodes the chart places pods on), in the environment file's form.
    data = {"grid_id": 1, "subdomain": "bench", "basedomain": "example.com",
            "networks": {"management": {"cidr": "10.199.0.0/22", "gateway": "10.199.0.1"},
                         "backplane": {"cidr": "10.199.8.0/22"}},
            "itsyouonline": {"client_id": "bench", "environment": "bench"},
            "release": {"images": {"syncthing/syncthing": "0.14"}},
            "nodes": [{"name": f"ctrl-{i:02d}", "roles": ["controller"], "ip_lsb": i + 11,
                       "public_ip": f"185.69.{i // 250}.{i % 250 + 2}",
                       "syncthing_device_id": device_id_from_der(f"ctrl-{i:02d}".encode())} for i in range(count)]}
    G8Chart(app, "bench", environment=parse_environment(data))
app.synth()
done = time.perf_counter()
def node_peak_kib():
    # The jsii runtime is a node child process that is still running: read its high-water mark.
    total = 0
    for stat in os.listdir("/proc"):
        if stat.isdigit():
            try:
                fields = open(f"/proc/{stat}/stat").read().rsplit(")", 1)[1].split()
                if int(fields[1]) == os.getpid():
                    total += int([l for l in open(f"/proc/{stat}/status") if l.startswith("VmHWM")][0].split()[1])
            except (OSError, IndexError):
                pass
    return total
children = node_peak_kib()
print(json.dumps({"import_s": imported - start, "total_s": done - start,
                  "python_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "node_peak_mib": children / 1024}))
"""


def run(kind: str, count: int) -> dict:
    import tempfile

    with tempfile.TemporaryDirectory() as out:
        result = subprocess.run([sys.executable, "-c", CASE, kind, str(count), out], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    rows = [("bare cdk8s app", run("bare", 0))] + [(f"G8Chart, {n} nodes", run("g8", n)) for n in (3, 10, 50)]
    print(f"{'case':<22}{'wall (s)':>10}{'of which import':>17}{'python peak MiB':>17}{'node peak MiB':>15}")
    for name, r in rows:
        print(f"{name:<22}{r['total_s']:>10.2f}{r['import_s']:>17.2f}{r['python_peak_mib']:>17.0f}{r['node_peak_mib']:>15.0f}")


if __name__ == "__main__":
    main()
