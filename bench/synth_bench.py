"""Synth benchmark (issue 13): wall time, jsii round trips and peak memory of a G8 synth against a bare cdk8s app.

Each case runs in a fresh interpreter, so jsii start-up and memory count per case; the cases run interleaved,
several times, and the medians are printed side by side with the issue's goals. A measurement, not a test:
`make bench` (options: `make bench BENCH_ARGS="--repeat 9 --python-O"`).
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter

GOAL_TRIPS_PER_OBJECT = 4
GOAL_G8_VS_BARE = 1.6
GOAL_50_VS_5 = 1.2
TOP = 15

# jsii's own names for the kernel API each request calls (jsii._kernel.providers.process registers the same).
KINDS = {"LoadRequest": "load", "CreateRequest": "create", "DeleteRequest": "del", "GetRequest": "get",
         "SetRequest": "set", "StaticGetRequest": "sget", "StaticSetRequest": "sset", "InvokeRequest": "invoke",
         "StaticInvokeRequest": "sinvoke", "BeginRequest": "begin", "StaticBeginRequest": "sbegin",
         "EndRequest": "end", "CallbacksRequest": "callbacks", "CompleteRequest": "complete",
         "_CompleteRequest": "complete", "StatsRequest": "stats", "GetScriptCommandRequest": "getBinScriptCommand"}


class RoundTrips:
    """Counts every request the Python side sends to the jsii kernel (the node process), by kind and by target.

    It wraps the one place all requests pass, `_NodeProcess.send`; each request is one round trip, and a
    callback from node into Python costs one more (the `complete` that answers it).
    """

    def __init__(self) -> None:
        self.kinds: Counter = Counter()
        self.targets: Counter = Counter()
        self._callbacks: dict = {}

    def __enter__(self) -> "RoundTrips":
        from jsii._kernel.providers.process import _NodeProcess
        from jsii._kernel.types import Callback

        self._original = original = _NodeProcess.send

        def send(process, request, response_type):
            kind = KINDS.get(type(request).__name__, type(request).__name__)
            self.kinds[kind] += 1
            self.targets[f"{kind} {self._target(request)}"] += 1
            response = original(process, request, response_type)
            if isinstance(response, Callback):
                call = response.invoke or response.get or response.set
                owner = call.objref.ref.split("@")[0] if call is not None else "?"
                self._callbacks[response.cbid] = f"callback {owner}.{response.cookie}"
            return response

        _NodeProcess.send = send
        return self

    def __exit__(self, *exc) -> None:
        from jsii._kernel.providers.process import _NodeProcess

        _NodeProcess.send = self._original

    def _target(self, request) -> str:
        """The jsii type and member a request is about (`cdk8s.Chart.of`), as cheaply as the request tells it."""
        if hasattr(request, "complete"):  # a callback's answer
            request = request.complete
        if hasattr(request, "cbid"):
            return self._callbacks.pop(request.cbid, "callback")
        if hasattr(request, "tarball"):
            return request.name
        if hasattr(request, "fqn"):
            owner = request.fqn
        elif hasattr(request, "objref"):
            owner = request.objref.ref.split("@")[0]
        else:
            owner = ""
        member = getattr(request, "method", None) or getattr(request, "property", None)
        return f"{owner}.{member}" if member else owner

    def total(self) -> int:
        return trips(self.kinds)


def trips(kinds: dict) -> int:
    """Round trips but the assemblies' `load`, a fixed start-up cost that grows with no object."""
    return sum(n for kind, n in kinds.items() if kind != "load")


def environment(controllers: int) -> dict:
    """One G8 with `controllers` controller nodes (the nodes the chart places pods on), in the environment file's form."""
    from ovc_constructs.syncthing import device_id_from_der

    return {"grid_id": 1, "subdomain": "bench", "basedomain": "example.com",
            "networks": {"management": {"cidr": "10.199.0.0/22", "gateway": "10.199.0.1"},
                         "backplane": {"cidr": "10.199.8.0/22"}},
            "itsyouonline": {"client_id": "bench", "environment": "bench"},
            "release": {"images": {"syncthing/syncthing": "0.14"}},
            "nodes": [{"name": f"ctrl-{i:02d}", "roles": ["controller"], "ip_lsb": i + 11,
                       "public_ip": f"185.69.{i // 250}.{i % 250 + 2}",
                       "syncthing_device_id": device_id_from_der(f"ctrl-{i:02d}".encode())} for i in range(controllers)]}


def children_usage() -> tuple:
    """Peak memory (MiB) and CPU time (s) of this process's children so far: the jsii runtime is a node child
    that is still running, so neither is in getrusage(RUSAGE_CHILDREN) yet."""
    peak_kib = ticks = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()  # fields[n - 3] is proc(5)'s field n
                if int(fields[1]) != os.getpid():
                    continue
                with open(f"/proc/{pid}/status") as status:
                    peak_kib += int(next(line for line in status if line.startswith("VmHWM")).split()[1])
                ticks += int(fields[11]) + int(fields[12])  # utime + stime
            except (OSError, IndexError, StopIteration):
                pass
    return peak_kib / 1024, ticks / os.sysconf("SC_CLK_TCK")


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def case(kind: str, count: int, outdir: str) -> dict:
    """One synth in this interpreter: `bare` is a cdk8s app of `count` cdk8s-plus Deployments, `g8` a G8Chart
    of `count` controllers built through the public API."""
    start, start_cpu = time.perf_counter(), cpu_s()
    with RoundTrips() as counter:
        import cdk8s

        if kind == "bare":
            import cdk8s_plus_27 as kplus
        else:
            from ovc_constructs import G8Chart, parse_environment
        imported = time.perf_counter()
        app = cdk8s.App(outdir=outdir)
        if kind == "bare":
            chart = cdk8s.Chart(app, "bare")
            for i in range(count):
                kplus.Deployment(chart, f"deployment-{i}", containers=[kplus.ContainerProps(image="nginx")])
        else:
            G8Chart(app, "bench", environment=parse_environment(environment(count)))
        app.synth()
        done, done_cpu = time.perf_counter(), cpu_s()
    node_peak_mib, node_cpu_s = children_usage()
    import yaml

    documents = 0
    for name in os.listdir(outdir):
        with open(os.path.join(outdir, name)) as stream:
            documents += sum(1 for document in yaml.safe_load_all(stream) if document is not None)
    return {"import_s": imported - start, "total_s": done - start, "cpu_s": done_cpu - start_cpu + node_cpu_s,
            "documents": documents, "python_peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "node_peak_mib": node_peak_mib, "kinds": dict(counter.kinds), "targets": dict(counter.targets)}


def run(kind: str, count: int, optimize: bool = False) -> dict:
    """`case` in a fresh interpreter (`python -O` when optimize: jsii then skips its runtime type checks)."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, *(["-O"] if optimize else []), os.path.abspath(__file__), "--case", kind, str(count), out]
        # Bytecode caches written as on any machine (the first synth after a change pays for compiling, not this).
        env = {"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", **os.environ, "PYTHONDONTWRITEBYTECODE": ""}
        result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode:
        raise RuntimeError(f"case {kind} {count}{' (-O)' if optimize else ''} failed with exit status "
                           f"{result.returncode}: {(result.stderr.strip().splitlines() or ['no message'])[-1]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def per_object(result: dict) -> float:
    """Round trips (but `load`) per synthesized document."""
    return trips(result["kinds"]) / result["documents"]


def verdict(value: float, goal: float) -> str:
    return "PASS" if value <= goal else "MISS"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per case (medians are printed); default 5")
    parser.add_argument("--python-O", dest="optimize", action="store_true",
                        help="also run the G8 cases under `python -O` (jsii skips its runtime type checks)")
    parser.add_argument("--case", nargs=3, metavar=("KIND", "COUNT", "OUTDIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(case(args.case[0], int(args.case[1]), args.case[2])))
        return

    # key, row name, kind, count, under -O, the key its wall time is compared with (the ratios)
    cases = [("bare", "bare cdk8s app (1 Deployment)", "bare", 1, False, None),
             ("G8(5)", "G8Chart, 5 controllers", "g8", 5, False, "bare"),
             ("G8(50)", "G8Chart, 50 controllers", "g8", 50, False, "G8(5)")]
    if args.optimize:
        cases += [("G8(5,-O)", "G8Chart, 5 controllers, -O", "g8", 5, True, "bare"),
                  ("G8(50,-O)", "G8Chart, 50 controllers, -O", "g8", 50, True, "G8(5,-O)")]
    runs: dict = {key: [] for key, *_ in cases}
    try:
        for optimize in sorted({c[4] for c in cases}):
            run("g8", 5, optimize)  # warm-up: writes the .pyc files so no measured run compiles
        for _ in range(args.repeat):  # interleaved, so drift on the machine touches every case alike
            for key, _name, kind, count, optimize, _base in cases:
                runs[key].append(run(kind, count, optimize))
    except RuntimeError as error:
        sys.exit(f"bench: {error}")

    median = {key: {m: statistics.median(r[m] for r in results) for m in ("import_s", "total_s", "cpu_s", "python_peak_mib", "node_peak_mib")}
              for key, results in runs.items()}
    first = {key: results[0] for key, results in runs.items()}
    base = {key: b for key, *_, b in cases if b}
    ratio = {key: median[key]["total_s"] / median[b]["total_s"] for key, b in base.items()}
    cpu_ratio = {key: median[key]["cpu_s"] / median[b]["cpu_s"] for key, b in base.items()}

    print(f"synth benchmark: {args.repeat} run(s) per case, each in a fresh interpreter, interleaved; medians "
          f"(wall = imports + build + synth, without interpreter start-up;\n cpu = the same span's CPU time, python + "
          f"node, which a busy machine disturbs less; the goals are on wall time)")
    print(f"{'case':<31}{'wall s':>7}{'import s':>9}{'cpu s':>7}{'ratio':>18}{'objects':>8}{'trips':>7}{'/object':>8}"
          f"{'load':>6}{'python MiB':>11}{'node MiB':>9}")
    for key, name, *_ in cases:
        m, r = median[key], first[key]
        shown = f"{ratio[key]:.2f}x /{base[key]}" if key in ratio else "-"
        print(f"{name:<31}{m['total_s']:>7.2f}{m['import_s']:>9.2f}{m['cpu_s']:>7.2f}{shown:>18}{r['documents']:>8}"
              f"{trips(r['kinds']):>7}{per_object(r):>8.1f}{r['kinds'].get('load', 0):>6}"
              f"{m['python_peak_mib']:>11.0f}{m['node_peak_mib']:>9.0f}")
    varied = [key for key, results in runs.items() if any(r["kinds"] != results[0]["kinds"] for r in results)]
    if varied:
        print(f"note: round trips differed between runs of {', '.join(varied)} (the first run's are shown)")

    shown_cases = ["bare", "G8(5)", "G8(50)"]
    print("\nround trips by kind (trips = all but load; a callback into Python costs one `complete`)")
    print(f"{'kind':<14}" + "".join(f"{key:>9}" for key in shown_cases))
    kinds = sorted({k for key in shown_cases for k in first[key]["kinds"]}, key=lambda k: (k == "load", -first["G8(50)"]["kinds"].get(k, 0), k))
    for kind in kinds:
        print(f"{kind:<14}" + "".join(f"{first[key]['kinds'].get(kind, 0):>9}" for key in shown_cases))

    print(f"\ntop {TOP} requests of the G8 synth (kind, jsii type.member), by count at 50 controllers")
    print(f"{'G8(5)':>7}{'G8(50)':>7}  request")
    targets = Counter({t: n for t, n in first["G8(50)"]["targets"].items() if not t.startswith("load ")})
    for target, count in targets.most_common(TOP):
        print(f"{first['G8(5)']['targets'].get(target, 0):>7}{count:>7}  {target}")

    print("\ngoals (issue 13)")
    trips_5, trips_50 = per_object(first["G8(5)"]), per_object(first["G8(50)"])
    shown = f"G8(5) {trips_5:.1f}, G8(50) {trips_50:.1f}"
    print(f"  {f'<= {GOAL_TRIPS_PER_OBJECT} round trips per object':<32}{shown:>26}"
          f"{verdict(max(trips_5, trips_50), GOAL_TRIPS_PER_OBJECT):>6}")
    for key, b in base.items():
        goal = GOAL_G8_VS_BARE if b == "bare" else GOAL_50_VS_5
        shown = f"{ratio[key]:.2f}x (cpu {cpu_ratio[key]:.2f}x)"
        print(f"  {f'{key} <= {goal}x {b}':<32}{shown:>26}{verdict(ratio[key], goal):>6}")


if __name__ == "__main__":
    main()
