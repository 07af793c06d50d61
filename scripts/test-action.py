#!/usr/bin/env python3
"""Runs the steps of action.yml locally, the way a GitHub runner runs a composite action.

In a temporary repository laid out as GitHub checks out a pull request (a clone with no local
branches, only origin/* and the tags, HEAD detached on the pull request's head), each `run:`
step of action.yml is executed with `bash --noprofile --norc -eo pipefail` (GitHub's `shell:
bash`), with the `${{ inputs.* }}`, `${{ github.* }}`, `${{ runner.* }}` and
`${{ steps.*.outputs.* }}` expressions it uses evaluated, GITHUB_OUTPUT and RUNNER_TEMP set,
and `if:` conditions of the forms it uses evaluated. The `uses:` steps (actions/cache, upload-sarif) are not
run; the script checks that its condition holds and that the file it would upload is valid
SARIF with the findings.

Cases: a breaking pull request (exit 1, `::error` annotations, SARIF with results, output
exit-code=1) and a safe one (exit 0, no annotations).

Usage: scripts/test-action.py [--install]
  default    protoguard from target/release (built if missing; or $PROTOGUARD_BIN) is put
             on PATH, so the install step finds it and skips `cargo install`
  --install  the install step really runs `cargo install --path` into a temporary root
Exit status 0 when every check holds, 1 otherwise.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def sh(cmd, cwd, env=None):
    return subprocess.run(cmd, cwd=cwd, env=env, shell=True, check=True,
                          capture_output=True, text=True).stdout


def make_pr_clone(work, breaking):
    """An upstream repo with main (v1) and a PR branch, cloned as actions/checkout does."""
    up = os.path.join(work, "upstream")
    os.makedirs(os.path.join(up, "proto/shop/v1"))
    git = "git -c user.name=t -c user.email=t@example.com"
    sh(f"git init -q -b main . && {git} commit -q --allow-empty -m init", up)
    order = os.path.join(up, "proto/shop/v1/order.proto")
    with open(order, "w") as f:
        f.write('syntax = "proto3";\npackage shop.v1;\n\nmessage Order {\n  string id = 1;\n'
                '  int32 quantity = 2;\n}\n')
    sh(f"git add -A && {git} commit -q -m v1 && git tag v1.0.0", up)
    sh("git checkout -q -b pr", up)
    with open(order, "w") as f:
        if breaking:
            f.write('syntax = "proto3";\npackage shop.v1;\n\nmessage Order {\n  string id = 1;\n'
                    '  int64 quantity = 2;\n}\n')
        else:
            f.write('syntax = "proto3";\npackage shop.v1;\n\nmessage Order {\n  string id = 1;\n'
                    '  int32 quantity = 2;\n  string note = 3;\n}\n')
    sh(f"git add -A && {git} commit -q -m change", up)
    ws = os.path.join(work, "workspace")
    sh(f"git clone -q --no-checkout {up} {ws}", work)
    # actions/checkout on pull_request: detached at the PR head, no local branches.
    head = sh("git rev-parse pr", up).strip()
    sh(f"git checkout -q --detach {head}", ws)
    return ws


EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def evaluate(expr, ctx):
    """The expression forms action.yml uses: context lookups, `!cancelled()`, `!= ''`, `&&`."""
    expr = expr.strip()
    if "&&" in expr:
        return all(evaluate(p, ctx) for p in expr.split("&&"))
    if expr == "!cancelled()":
        return True
    m = re.fullmatch(r"(.+?)\s*(==|!=)\s*'(.*)'", expr)
    if m:
        value = str(evaluate(m.group(1), ctx))
        return (value == m.group(3)) == (m.group(2) == "==")
    value = ctx
    for part in expr.split("."):
        value = value.get(part, "") if isinstance(value, dict) else ""
    return value


def substitute(text, ctx):
    return EXPR.sub(lambda m: str(evaluate(m.group(1), ctx)), text)


def run_action(ws, inputs, path_dirs, base_ref):
    action = yaml.safe_load(open(os.path.join(ROOT, "action.yml")))
    ins = {k: v.get("default", "") for k, v in action["inputs"].items()}
    ins.update(inputs)
    temp = tempfile.mkdtemp()
    ctx = {"inputs": ins, "github": {"base_ref": base_ref, "action_path": ROOT},
           "runner": {"temp": temp}, "steps": {}}
    results = {}
    for step in action["runs"]["steps"]:
        cond = step.get("if")
        if cond is not None and not evaluate(EXPR.sub(lambda m: m.group(1), cond), ctx):
            results[step["name"]] = ("skipped", None)
            continue
        if "uses" in step:
            with_ = {k: substitute(str(v), ctx) for k, v in step.get("with", {}).items()}
            results[step["name"]] = ("uses", with_)
            continue
        out_file = os.path.join(temp, "output-" + str(len(results)))
        open(out_file, "w").close()
        env = dict(os.environ)
        env.update({k: substitute(str(v), ctx) for k, v in step.get("env", {}).items()})
        env.update({"GITHUB_OUTPUT": out_file, "RUNNER_TEMP": temp,
                    "GITHUB_ACTION_PATH": ROOT, "GITHUB_WORKSPACE": ws,
                    "PATH": os.pathsep.join(path_dirs + [env["PATH"]])})
        script = substitute(step["run"], ctx)
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                              cwd=ws, env=env, capture_output=True, text=True)
        outputs = dict(line.split("=", 1) for line in open(out_file).read().splitlines() if "=" in line)
        if "id" in step:
            ctx["steps"][step["id"]] = {"outputs": outputs}
        results[step["name"]] = (proc.returncode, proc.stdout + proc.stderr)
    return results, ctx


def main():
    install = "--install" in sys.argv[1:]
    path_dirs = []
    if install:
        cargo_root = tempfile.mkdtemp()
        path_dirs.append(os.path.join(cargo_root, "bin"))
        os.environ["CARGO_INSTALL_ROOT"] = cargo_root
    else:
        binary = os.environ.get("PROTOGUARD_BIN") or os.path.join(ROOT, "target", "release", "protoguard")
        if not os.path.exists(binary):
            subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        path_dirs.append(os.path.dirname(binary))
    for breaking in (True, False):
        label = "breaking PR" if breaking else "safe PR"
        with tempfile.TemporaryDirectory() as work:
            ws = make_pr_clone(work, breaking)
            results, ctx = run_action(ws, {"path": "proto"}, path_dirs, "main")
            install_code, install_out = results["Install protoguard"]
            check(install_code == 0, f"{label}: install step succeeds ({install_out.strip()[-200:]})")
            code, out = results["Breaking changes"]
            want = 1 if breaking else 0
            check(code == want, f"{label}: check step exits {want} (got {code})")
            check(ctx["steps"]["check"]["outputs"].get("exit-code") == str(want),
                  f"{label}: output exit-code={want}")
            annotations = [l for l in out.splitlines() if l.startswith("::error ")]
            check(bool(annotations) == breaking,
                  f"{label}: {len(annotations)} ::error annotation(s) in the log")
            if breaking:
                check(any("FIELD_SAME_TYPE" in l and "proto/shop/v1/order.proto" in l for l in annotations),
                      f"{label}: the annotation names the rule and the file relative to the repository")
            kind, with_ = results["Restore protoguard's cache"]
            check(kind == "uses" and with_.get("path") == "~/.cache/protoguard",
                  f"{label}: the cache step restores ~/.cache/protoguard")
            kind, with_ = results["Upload SARIF"]
            check(kind == "uses", f"{label}: the SARIF upload step runs")
            if kind == "uses":
                sarif = json.load(open(with_["sarif_file"]))
                n = sum(len(r.get("results", [])) for r in sarif.get("runs", []))
                check(sarif.get("version") == "2.1.0" and (n > 0) == breaking,
                      f"{label}: SARIF 2.1.0 with {n} result(s)")
                check(with_.get("category") == "protoguard", f"{label}: SARIF category protoguard")
    print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
