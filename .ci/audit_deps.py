"""A pip-audit-style check of the installed Python packages, with what the registry allows.

pip-audit asks PyPI's per-release JSON (``/pypi/<name>/<version>/json``) or OSV; from this
machine only the per-project JSON (``/pypi/<name>/json``) answers. That document lists the
known vulnerabilities of the project's newest release. So:

- a package whose installed release is the newest is checked: any advisory listed for it
  (not withdrawn) fails the check;
- a package pinned below the newest release is listed as "not checked" with its newest
  version, so a person can look at it; it does not fail the check.

Exit status: 0 when no installed release has a known advisory, 1 when one has,
0 with a warning when PyPI cannot be reached at all (the check could not run).
Run with the project's virtualenv Python: ``make audit``.
"""

import json
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata

INDEX = "https://pypi.org/pypi/{name}/json"
OWN_PROJECT = "clinic"
TIMEOUT_S = 20


def installed() -> dict[str, str]:
    found = {}
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if name and name != OWN_PROJECT:
            found[name] = dist.version
    return dict(sorted(found.items()))


def project_document(name: str) -> dict | None:
    try:
        with urllib.request.urlopen(INDEX.format(name=name), timeout=TIMEOUT_S) as reply:  # noqa: S310 - fixed https URL
            return json.load(reply)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def advisories(document: dict) -> list[str]:
    return [
        f"{item.get('id')} (fixed in {', '.join(item.get('fixed_in') or []) or 'no release'})"
        for item in document.get("vulnerabilities") or []
        if not item.get("withdrawn")
    ]


def main() -> int:
    packages = installed()
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            documents = dict(zip(packages, pool.map(project_document, packages), strict=True))
    except (urllib.error.URLError, TimeoutError) as error:
        print(f"WARNING: PyPI could not be reached ({error}); dependency audit not done.")
        return 0

    vulnerable, unchecked, checked = [], [], 0
    for name, version in packages.items():
        document = documents[name]
        if document is None:
            unchecked.append(f"{name} {version}: not on PyPI")
            continue
        newest = document["info"]["version"]
        if version != newest:
            unchecked.append(f"{name} {version}: newest is {newest}")
            continue
        checked += 1
        for advisory in advisories(document):
            vulnerable.append(f"{name} {version}: {advisory}")

    print(f"Dependency audit: {len(packages)} installed packages, {checked} checked against")
    print("PyPI's advisories for their (newest) release.")
    if unchecked:
        print(f"Not checked ({len(unchecked)}; PyPI lists advisories for newest releases only):")
        for line in unchecked:
            print(f"  {line}")
    if vulnerable:
        print(f"KNOWN VULNERABILITIES ({len(vulnerable)}):")
        for line in vulnerable:
            print(f"  {line}")
        return 1
    print("No known vulnerabilities in the checked releases.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
