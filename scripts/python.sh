#!/usr/bin/env bash
# The Python package, offline (README, "Python"):
#  1. the npm package as it ships (`npm pack`, with the jsii assembly .jsii) staged in build/python/package;
#  2. jsii-pacmak generates the Python sources of pendant-cdk (module pendant_cdk) from it (--code-only: pacmak's own
#     build step creates a virtualenv and pip-installs setuptools and build, which needs PyPI);
#  3. jsii-rosetta translates the README's construct snippets (and the constructs' @example snippets) to Python,
#     compiling each against the assembly (README snippets are whole modules; the @example ones use
#     rosetta/construct.ts-fixture); scripts/python-snippets.mjs fails on any
#     construct snippet that does not compile and writes the translations to build/python/snippets;
#  4. mypy (Debian's) type-checks those translations against the generated package;
#  5. a wheel is built with Debian's python3-build and python3-setuptools, without build isolation.
# Needs: node_modules (npm ci), dist/ and .jsii (npm run build), and /usr/bin/python3 with mypy, python3-build and
# python3-setuptools (.ci/run installs them with apt-get when they are missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# jsii tools print a banner on Node.js 20 (end of life for them, README "Requirements" says until when pendant keeps it).
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="$(node -p "process.versions.node.split('.')[0]")"
python=/usr/bin/python3
out=build/python

node scripts/jsii.mjs
rm -rf "$out"
mkdir -p "$out"

echo '::: python: stage the npm package (npm pack) for pacmak'
npm pack --ignore-scripts --silent --pack-destination "$out" >/dev/null
tar xzf "$out"/pendant-*.tgz -C "$out"
# The Python package is the constructs only: the client's optional SDK peer is no jsii module, so pacmak must not
# look for its assembly; the kernel never installs dependencies from the embedded tarball's package.json anyway.
node -e '
  const fs = require("fs"); const file = process.argv[1]; const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  delete pkg.peerDependencies["@aws-sdk/client-lambda"]; delete pkg.peerDependenciesMeta; delete pkg.devDependencies; delete pkg.scripts;
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");' "$out/package/package.json"
cp -r rosetta "$out/package/rosetta"

echo '::: python: jsii-rosetta translates the snippets (compiled against the assembly)'
npx --no-install jsii-rosetta extract "$out/package" >"$out/rosetta.log" 2>&1 || { cat "$out/rosetta.log"; exit 1; }
node scripts/python-snippets.mjs "$out/package/.jsii.tabl.json" "$out/snippets"
# The README's own Python blocks (section "Python") are checked with them.
node -e '
  const fs = require("fs"); const readme = fs.readFileSync("README.md", "utf8");
  [...readme.matchAll(/```python\n([\s\S]*?)```/g)].forEach((match, index) =>
    fs.writeFileSync(`${process.argv[1]}/readme_python_${index + 1}.py`, match[1]));' "$out/snippets"

echo '::: python: jsii-pacmak generates pendant_cdk (code only)'
npx --no-install jsii-pacmak "$out/package" --targets python --code-only --outdir "$out/dist" \
  --pack-command 'npm pack --ignore-scripts' --rosetta-tablet "$out/package/.jsii.tabl.json"
src="$out/dist/python"

echo '::: python: mypy type-checks the translated snippets against pendant_cdk'
# jsii's Python runtime and the Python aws-cdk-lib and constructs come from PyPI, which is not reachable here: mypy
# takes them as untyped (mypy.ini), so it checks every pendant_cdk class, struct, keyword argument and enum member the
# snippets use, but not the aws-cdk-lib values they pass.
MYPYPATH="$src/src" /usr/bin/mypy --config-file scripts/mypy.ini "$out"/snippets/*.py
# The check can fail: a keyword the generated ComputeEnvironment does not take must be refused.
mkdir -p "$out/mypy-negative"
cat >"$out/mypy-negative/wrong_keyword.py" <<'PY'
from aws_cdk import App, Stack
from pendant_cdk import ComputeEnvironment, ComputeKind
ComputeEnvironment(Stack(App(), "S"), "C", kind=ComputeKind.EC2_SPOT, vpc=None, max_vcpus=1)
PY
if MYPYPATH="$src/src" /usr/bin/mypy --config-file scripts/mypy.ini "$out/mypy-negative/wrong_keyword.py" >"$out/mypy-negative.log" 2>&1 \
  || ! grep -q 'Unexpected keyword argument "max_vcpus"' "$out/mypy-negative.log"; then
  cat "$out/mypy-negative.log"
  echo 'error: mypy accepted a keyword pendant_cdk.ComputeEnvironment does not take; the snippet check proves nothing' >&2
  exit 1
fi

echo '::: python: wheel (Debian python3-build and python3-setuptools, no isolation, no downloads)'
# pacmak's pyproject.toml pins setuptools~=75.3.2 and build~=1.5.0 for its own pip-based build; Debian's older ones
# build the same setup.py, so the pins are not checked (--skip-dependency-check).
"$python" -m build --wheel --no-isolation --skip-dependency-check --outdir "$out/wheel" "$src" >"$out/wheel.log" 2>&1 || { cat "$out/wheel.log"; exit 1; }
"$python" - "$out"/wheel/pendant_cdk-*.whl <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
required = ["pendant_cdk/__init__.py", "pendant_cdk/py.typed"]
missing = [name for name in required if name not in names]
tarballs = [name for name in names if name.startswith("pendant_cdk/_jsii/") and name.endswith(".jsii.tgz")]
if missing or len(tarballs) != 1:
    sys.exit(f"error: the wheel lacks {missing or 'the jsii tarball'}: {names}")
print(f"python: built {sys.argv[1]} ({len(names)} files, {tarballs[0]})")
PY
