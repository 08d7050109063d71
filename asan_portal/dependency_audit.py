"""`make audit-deps`: pip-audit over requirements.txt, honest about what it could check.

pip-audit asks a vulnerability service on the internet (PyPI's JSON API, or OSV). Where that
service cannot be reached, or answers for none of our packages (a package mirror without the
vulnerability data does that), nothing has been audited: this says so plainly and exits 0, so
an offline build is not failed by a missing network. A vulnerability that *is* reported fails
the target (exit 1). docs/adr/0016 explains where this runs.
"""

import json
import subprocess  # nosec B404  # runs pip-audit from this virtualenv with fixed arguments
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIP_AUDIT = Path(sys.executable).with_name("pip-audit")


def main() -> int:
    command = [str(PIP_AUDIT), "-r", str(ROOT / "requirements.txt"), "--no-deps", "--disable-pip", "-f", "json"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603  # nosec B603
    except (OSError, subprocess.TimeoutExpired) as error:
        print(f"pip-audit could not run ({error}); dependencies NOT audited.")
        return 0
    try:
        report = json.loads(result.stdout or "{}")
    except json.JSONDecodeError:
        report = {}
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    if not audited:
        if dependencies:
            reason = dependencies[0]["skip_reason"]
        else:
            reason = (result.stderr.strip().splitlines() or ["no answer"])[-1]
        print(
            "pip-audit could not reach its vulnerability service (or it knows none of our packages): "
            f"{len(dependencies)} dependencies NOT audited. Run `make audit-deps` where PyPI or OSV can be reached. "
            f"First reason: {reason[:200]}"
        )
        return 0
    for dependency in vulnerable:
        ids = ", ".join(v["id"] for v in dependency["vulns"])
        print(f"VULNERABLE: {dependency['name']} {dependency['version']}: {ids}")
    skipped = len(dependencies) - len(audited)
    print(f"pip-audit: {len(audited)} audited, {len(vulnerable)} vulnerable, {skipped} could not be checked.")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
